"""The hand-worked example's stepper in marimo: `marimo edit examples/hand_backprop_marimo.py`
(or `marimo run` for the app view). The widget is backprop_tutor's own anywidget, wrapped by
`mo.ui.anywidget`, so the cell below it follows the step on screen."""

import marimo

__generated_with = "0.25.2"
app = marimo.App()


@app.cell
def _():
    import marimo as mo

    import backprop_tutor as bt

    return bt, mo


@app.cell
def _(bt, mo):
    example = bt.example("hand-backprop")  # any spec file too, and exact=True
    stepper = mo.ui.anywidget(example.widget)  # |◀ ◀ ▶ ▶|, and ← → once clicked
    stepper  # noqa: B018 (marimo shows a cell's last expression)
    return example, stepper


@app.cell
def _(example, mo, stepper):
    step = example.steps[stepper.value["index"]]
    mo.md(f"On screen: **{step.status}**. The numbers are numpy arrays: `example.value('s', 3)` = "
          f"{example.value('s', 3).tolist()}")
    return


if __name__ == "__main__":
    app.run()
