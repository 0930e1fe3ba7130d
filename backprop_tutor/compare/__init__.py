"""Check a student's own numpy MLP step against the engine, array by array (`tutor compare`, `bt.compare`).

`problem` sets up the inputs and the engine's answer, `student` calls their function and reads its arrays,
`rules` holds the step's equations and the named wrong rules, `comparison` judges, `working` writes the
first wrong entry's equation, `report` holds the result and draws it (a Rich table, the HTML a notebook
shows); `api` is `bt.compare`.
"""
