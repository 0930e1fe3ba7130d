"""How long marking one sheet takes, in process (start-up and the exact reference step excluded).

    PYTHONPATH=. python benchmarks/marking_speed.py [--sheets 40]

Two kinds of sheet, on the random problems of `tests/check/test_check_sheets.py`: the answer key (every
value right: the common case in a class) and a simulated student's sheet (one slip, blanks, rounding:
the checker then recomputes from the student's own values and tries the named misconceptions). Prints
medians and the slowest, with the machine's load and the BLAS kernel (threadpoolctl).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "check"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sheets", type=int, default=40)
    args = parser.parse_args()
    import test_check_sheets as sheets
    from check_helpers import answers_json
    from threadpoolctl import threadpool_info

    from backprop_tutor.check.answers import read_answers, written_values
    from backprop_tutor.check.expected import reference_for
    from backprop_tutor.check.marking import mark
    from backprop_tutor.check.numbers import Tolerance

    keys, slipped = [], []
    with tempfile.TemporaryDirectory() as folder:
        for i in range(2, 2 + args.sheets):
            spec, sample = sheets._spec(i)
            ref = reference_for(spec, sample)
            sheets._sheet(i, Path(folder))
            key = Path(folder) / f"key-{i}.json"
            key.write_text(json.dumps(answers_json(ref.expected, ref)), encoding="utf-8")
            for path, times in ((key, keys), (Path(folder) / f"sheet-{i}.json", slipped)):
                written = written_values(read_answers(path), ref)
                start = time.perf_counter()
                mark(ref, written, Tolerance())
                times.append(time.perf_counter() - start)
    blas = next((f"{b['internal_api']} {b['version']}, kernel {b.get('architecture')}" for b in threadpool_info()
                 if b.get("user_api") == "blas"), "none")
    print(f"load average {os.getloadavg()[0]:.2f}; BLAS: {blas}")
    for name, times in (("answer key", keys), ("student's sheet", slipped)):
        print(f"{name:16} median {statistics.median(times) * 1000:6.1f} ms, slowest {max(times) * 1000:6.1f} ms "
              f"({len(times)} sheets)")


if __name__ == "__main__":
    main()
