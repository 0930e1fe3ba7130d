"""What a student writes for one sample of a trace, as numbers: the worksheet model (`model`), the
equations of each step (`equations`), and the worksheet laid out as tables of text (`tables`), which
the terminal, the Markdown and the UI all draw. UI-free; reads traces only (any `TraceReader`)."""
