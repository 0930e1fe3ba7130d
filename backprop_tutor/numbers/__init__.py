"""Numbers, below everything else: exact mode's intervals and certain digits (`certain`), arithmetic on
recorded arrays of either number type (`arithmetic`), and writing a number the way a student does
(`format`). The engine computes with these, the trace stores them, every view writes them."""

#: The largest decimal exponent of any number read from a user (a spec, an answer): exact mode reaches past
#: float64's ±308, and its work stays bounded (exp(1e1000) at 100 digits takes ~1 ms; exp(1e99999999) hangs).
MAX_EXPONENT = 1000
