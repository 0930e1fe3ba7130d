"""The course's shared data (../shared/data beside the checkout) as the tests that only train on it or infer
with it read it: un-gzipped once into a temporary folder kept between test runs.

Each load of Fashion-MNIST from its .gz files un-gzips 26 MB again (about 0.3 s of CPU), and the docs pages,
notebooks, gradient checks and the homework sweep load it some twenty times a run; the IDX loader reads the
files un-gzipped just as well. The tests of loading itself (tests/data) keep reading the .gz files.
"""

from __future__ import annotations

import gzip
import os
import shutil
import tempfile
from pathlib import Path

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


def unpacked_shared_data() -> Path:
    """A folder with the same data sets as SHARED_DATA (`fashion-mnist/`, …), every IDX file un-gzipped.

    Made or brought up to date on first use (a file older than its .gz is made again); workers that race
    each write their own temporary file and rename it into place."""
    root = Path(tempfile.gettempdir()) / f"backprop_tutor-tests-data-{os.getuid()}"
    for packed in sorted(SHARED_DATA.glob("*/*.gz")):
        unpacked = root / packed.parent.name / packed.name.removesuffix(".gz")
        if unpacked.is_file() and unpacked.stat().st_mtime >= packed.stat().st_mtime:
            continue
        unpacked.parent.mkdir(parents=True, exist_ok=True)
        partial = unpacked.with_name(f"{unpacked.name}.{os.getpid()}.part")
        with gzip.open(packed, "rb") as source, partial.open("wb") as target:
            shutil.copyfileobj(source, target, 1 << 20)
        os.replace(partial, unpacked)
    return root
