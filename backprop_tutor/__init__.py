"""backprop_tutor: learn backpropagation by watching every number.

The engine computes, the trace records, everything else only reads traces.
"""

__version__ = "0.1.0"
