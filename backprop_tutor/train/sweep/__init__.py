"""The homework's workflow: train a grid of configurations, choose one on validation accuracy, retrain it on
training + validation, and only then look at the test set, once.

A sweep folder holds
    sweep.json           the grid (fixed settings and the listed values), the rule, the command lines, sessions
    runs/<name>/         one run folder per configuration, exactly as `tutor train` writes it
    final/               the chosen configuration retrained on all training images; test.json: the test figures
    plots/, overview.png, report.md, report.json

Every configuration is run by the trainer (`train.trainer.train`) in its own process or in this one, through
a `concurrent.futures.Executor` (a process pool, or Dask distributed's), and written to its own folder, so a
sweep continues where it stopped: finished runs are read back, interrupted ones resume from their checkpoint.
The test images are reached only through `SealedTestSet`, which opens them once the final run is complete.

The package holds grid.py (the configurations), data.py (the images, the test set sealed), executors.py (running
the tasks), results.py (outcomes, summaries, the choice) and workflow.py (`run_sweep`). It imports nothing
itself, so the report can read the result types without importing the workflow that writes the report.
"""
