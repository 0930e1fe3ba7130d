"""A training run whose disk fills up part way, for tests/train/test_disk_full.py (run inside a private
mount namespace with a small tmpfs at FOLDER).

    python disk_full_child.py DATA FOLDER MODE

At the start of epoch 2 a filler file takes all but 32 KB of the disk, so the checkpoint at the end of
epoch 2 cannot be written. MODE "checked": the trainer's own free-space check finds it; MODE "write":
that check is switched off, so the write itself (fileio's) finds it. Then the filler is
removed and the run resumed with `tutor train --resume`. Prints one JSON line with what happened and
a fingerprint of the final parameters.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path


def main() -> int:
    data, folder, mode = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
    from backprop_tutor.cli import main as tutor
    from backprop_tutor.train import TrainConfig, prepare_data, train

    if mode == "write":  # the trainer's check off: the write's own (fileio) finds the full disk
        sys.modules["backprop_tutor.train.trainer"].ensure_free_space = lambda path, needs: None  # type: ignore
    run, filler = folder / "run", folder / "filler"

    def fill_the_disk(epoch: int, batch: int) -> bool:
        if (epoch, batch) == (2, 1):
            free = shutil.disk_usage(folder).free
            with open(filler, "wb") as f:
                f.write(b"\0" * max(0, free - 32 * 1024))
        return False

    config = TrainConfig(data=data, hidden=[64, 32], batch_size=50, n_validation=100, epochs=3, learning_rate=0.1,
                         seed=5, decay_at=[], momentum=0.5)
    report: dict[str, object] = {}
    try:
        train(config, prepare_data(config), run, should_stop=fill_the_disk)
        report["error"] = None
    except Exception as err:  # what the CLI would show: the message with its flags
        report["error"] = type(err).__name__
        report["message"] = err.render(lambda n: {"resume": f"tutor train --resume {run}"}.get(n))  # type: ignore
    report["files"] = sorted(p.name for p in run.iterdir())
    report["status"] = json.loads((run / "metrics.json").read_text())["status"]
    filler.unlink()
    report["resume_rc"] = tutor(["train", "--resume", str(run), "--quiet"])
    report["after"] = sorted(p.name for p in run.iterdir())
    report["params_sha256"] = params_digest(run / "params.h5")
    print(json.dumps(report))
    return 0


def params_digest(path: Path) -> str:
    """One fingerprint of every W(l), b(l) in a parameter file (the tmpfs vanishes with this process)."""
    import hashlib

    from backprop_tutor.params import read_parameters

    digest = hashlib.sha256()
    for W, b in read_parameters(path):
        digest.update(W.tobytes())
        digest.update(b.tobytes())
    return digest.hexdigest()


if __name__ == "__main__":
    sys.exit(main())
