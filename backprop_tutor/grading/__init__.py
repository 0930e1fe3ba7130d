"""Grading a class: each student's sheet checked against their own problem, one credit policy, and the
platforms instructors grade in. Reads the checker's verdicts (`backprop_tutor.check`); computes nothing
of its own.

    roster.py        a class folder (`tutor worksheet --random --seeds`): its index.csv, problems, students
    matching.py      which submission is whose problem (student id, or seed-N in the file name)
    policy.py        the credit policy: per-cell credit for right / carried / root / missing / shape, weights
    gradebook.py     every submission checked in one process: grades.csv, feedback files
    summary.py       the class summary: score distribution, cells most often wrong, misconceptions, histogram
    gradescope.py    a Gradescope autograder (zip) and its run: results.json
    prairielearn.py  a PrairieLearn question folder; its server.py imports `pl_question`
    pl_question.py   generate(data) / grade(data) for PrairieLearn (numpy, mpmath and the checker only)
    drills.py        single-value numeric drills per cell: what Canvas and Moodle quizzes hold
    canvas.py        Canvas QTI 1.2 (a .zip to import)
    moodle.py        Moodle XML (numerical questions)
"""
