"""backprop_tutor in a notebook (Jupyter, JupyterLab, Colab, VS Code, marimo): `import backprop_tutor as bt`.

`api` holds what a student calls (`bt.example`, `bt.worksheet`, `bt.solution`, `bt.check`, …); each
returns an object with a text repr for a Python shell and an HTML repr for a notebook (`results`).
The stepper (`stepper`) is an anywidget whose JavaScript ships in this package and steps through
views built once in Python (`views`), so stepping needs no kernel round trip; without anywidget, or
in a saved notebook, the same steps show as self-contained HTML (`html`). Nothing here computes:
the views read the trace through the worksheet model and the equations module, as the terminal UI does.
"""
