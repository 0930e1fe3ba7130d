"""Checking a student's own hand calculation: answer files in, verdicts out (right, root mistake,
carried mistake, missing, wrong shape); blank worksheets and answer keys out; practice problems.

    layout.py     the worksheet's quantities, order, names and Markdown rows/columns (one place)
    numbers.py    numbers as people type them, and the rule that judges one
    expected.py   the engine's values for the worksheet (the one place a trace is read)
    answers.py    Markdown / TOML / JSON answer files in
    recompute.py  each quantity from the student's own earlier values (the engine's functions)
    marking.py    verdicts cell by cell
    working.py    the correct working of one cell, numbers substituted
    report.py     the verdicts as a Rich table, Markdown and JSON
    templates.py  blank worksheets and answer keys out
    problems.py   random hand-computable problems
"""
