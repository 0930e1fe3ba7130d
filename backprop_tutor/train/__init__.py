"""Training at MNIST scale: minibatch SGD with the engine, an η schedule, per-epoch metrics, a run
folder (config, metrics, parameters, plot), checkpoints for Ctrl-C and --resume, and traces of chosen
minibatches in one HDF5 file."""

from backprop_tutor.train.config import TrainConfig
from backprop_tutor.train.schedule import StepDecay
from backprop_tutor.train.trainer import DivergenceError, RunResult, TrainingData, prepare_data, read_run_config, train

__all__ = ["DivergenceError", "RunResult", "StepDecay", "TrainConfig", "TrainingData", "prepare_data",
           "read_run_config", "train"]
