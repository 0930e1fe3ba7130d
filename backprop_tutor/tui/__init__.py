"""The step-through terminal UI (Textual): replay a trace one event at a time.

`app.run_app(trace)` opens it; `viewmodel` turns (trace, step, sample, digits) into what each widget
shows, without Textual; `source` reads the trace lazily. One module per widget or screen.
"""
