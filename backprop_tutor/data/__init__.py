"""Image data for training: readers (course HDF5, IDX, npz), named sets, download, splits.

Everything returns float32 x (N, 784) with pixels in [0, 1] and float32 y (N, 10) one-hot; the only
change ever made to pixels is dividing 8-bit values by 255, and every reader says so in `notes`.
"""

from backprop_tutor.data.datasets import (
    Dataset,
    convert_to_course,
    dataset_locations,
    find_dataset,
    load_dataset,
    train_validation_split,
)
from backprop_tutor.data.download import download_dataset, download_file
from backprop_tutor.data.formats import (
    LabelledImages,
    read_course_hdf5,
    read_idx,
    read_idx_pair,
    read_npz,
    write_course_hdf5,
)

__all__ = [
    "Dataset",
    "LabelledImages",
    "convert_to_course",
    "dataset_locations",
    "download_dataset",
    "download_file",
    "find_dataset",
    "load_dataset",
    "read_course_hdf5",
    "read_idx",
    "read_idx_pair",
    "read_npz",
    "train_validation_split",
    "write_course_hdf5",
]
