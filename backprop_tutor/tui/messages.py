"""Messages the widgets post to the app (the widgets never change the app's state themselves)."""

from __future__ import annotations

from textual.message import Message


class NeuronSelected(Message):
    """A neuron was clicked: show its values. ``unit`` counts from 0."""

    def __init__(self, layer: int, unit: int) -> None:
        super().__init__()
        self.layer = layer
        self.unit = unit


class WeightSelected(Message):
    """A weight W(l)[i,j] was clicked in the diagram: show its chain rule. ``unit`` (i) and ``input`` (j)
    count from 0."""

    def __init__(self, layer: int, unit: int, input_: int) -> None:
        super().__init__()
        self.layer = layer
        self.unit = unit
        self.input = input_
