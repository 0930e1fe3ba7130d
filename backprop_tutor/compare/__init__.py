"""Check a student's own numpy MLP step against the engine, array by array (`tutor compare`, `bt.compare`).

`problem` sets up the inputs and the engine's answer, `student` calls their function and reads its arrays,
`rules` holds the step's equations and the named wrong rules, `comparison` judges, `show` draws. No UI here
beyond the Rich table and the HTML a notebook shows.
"""
