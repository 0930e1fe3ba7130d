"""Training at MNIST scale: minibatch SGD with the engine, an η schedule, per-epoch metrics, a run
folder (config, metrics, parameters, plot, completion marker; locked while a run writes it),
checkpoints for Ctrl-C and --resume, and traces of chosen minibatches in one HDF5 file."""

from backprop_tutor.train.config import SettingError, TrainConfig
from backprop_tutor.train.run_folder import RunFolder, RunFolderBusy
from backprop_tutor.train.schedule import StepDecay
from backprop_tutor.train.trainer import (
    DivergenceError,
    RunResult,
    TrainingData,
    TrainProgress,
    open_run,
    prepare_data,
    read_run_config,
    train,
)

__all__ = ["DivergenceError", "RunFolder", "RunFolderBusy", "RunResult", "SettingError", "StepDecay", "TrainConfig",
           "TrainProgress", "TrainingData", "open_run", "prepare_data", "read_run_config", "train"]
