"""Numbers, below everything else: exact mode's intervals and certain digits (`certain`), arithmetic on
recorded arrays of either number type (`arithmetic`), and writing a number the way a student does
(`format`). The engine computes with these, the trace stores them, every view writes them."""
