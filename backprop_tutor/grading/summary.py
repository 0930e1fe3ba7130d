"""The class summary: the score distribution (a table and a PNG histogram), the cells most often wrong,
and the misconceptions the checker named most often."""

from __future__ import annotations

import re
import statistics
from collections import Counter
from pathlib import Path

from backprop_tutor.fileio import atomic_path
from backprop_tutor.grading.gradebook import NO_SUBMISSION, Graded
from backprop_tutor.plural import count

BINS = 10
TOP = 10
#: numbers in a note vary from student to student: "your own inputs give 4" and "… give 7" are one note
_NUMBER = re.compile(r"[-−]?\d[\d.,/e+−-]*")


def percents(rows: list[Graded]) -> list[float]:
    return [100 * r.score / r.maximum for r in rows if r.graded and r.maximum]


def summary_markdown(rows: list[Graded], policy_text: str, histogram: str | None) -> str:
    graded = [r for r in rows if r.graded]
    absent = sum(r.reason == NO_SUBMISSION for r in rows)
    failed = [r for r in rows if not r.graded and r.reason != NO_SUBMISSION]
    scores = percents(rows)
    lines = ["# Class summary", "",
             f"{count(len(graded), 'submission')} graded, {len(failed)} could not be graded, "
             f"{count(absent, 'student')} without "
             f"a submission. {policy_text}.", ""]
    if scores:
        lines += [f"Score: mean {statistics.fmean(scores):.1f} %, median {statistics.median(scores):.1f} %, "
                  f"lowest {min(scores):.1f} %, highest {max(scores):.1f} %.", ""]
    lines += ["## Score distribution", "", "| score | students |", "| --- | --- |",
              *(f"| {label} | {n} |" for label, n in distribution(scores)), ""]
    if histogram:
        lines += [f"![Score histogram]({histogram})", ""]
    lines += _cells_table(graded) + _misconceptions_table(graded)
    if failed:
        lines += ["## Not graded", "", "| file | reason |", "| --- | --- |",
                  *(f"| {_md(r.file)} | {_md(r.reason)} |" for r in failed), ""]
    return "\n".join(lines)


def distribution(scores: list[float]) -> list[tuple[str, int]]:
    """Students per tenth of the maximum: 0–10 %, …, 90–<100 %, and 100 % on its own."""
    counts = Counter(min(int(s // (100 / BINS)), BINS - 1) if s < 100 else BINS for s in scores)
    labels = [f"{10 * i}–{10 * (i + 1)} %" for i in range(BINS)] + ["100 %"]
    return [(label, counts.get(i, 0)) for i, label in enumerate(labels)]


def _cells_table(graded: list[Graded]) -> list[str]:
    own = Counter(cell for r in graded for cell, verdict, _ in r.wrong if verdict in ("root", "shape"))
    carried = Counter(cell for r in graded for cell, verdict, _ in r.wrong if verdict == "carried")
    if not own and not carried:
        return ["## Cells most often wrong", "", "None: every graded value was right or left blank.", ""]
    top = sorted(set(own) | set(carried), key=lambda c: (-own[c], -carried[c], c))[:TOP]
    return ["## Cells most often wrong", "", "| cell | root mistakes (or wrong shape) | carried |",
            "| --- | --- | --- |",
            *(f"| {_md(c)} | {own[c]} | {carried[c]} |" for c in top), ""]


def _misconceptions_table(graded: list[Graded]) -> list[str]:
    named = Counter(_NUMBER.sub("…", why) for r in graded for _, verdict, why in r.wrong
                    if verdict == "root" and why)
    if not named:
        return ["## Misconceptions most often named", "", "None named.", ""]
    return ["## Misconceptions most often named", "", "| misconception | root mistakes |", "| --- | --- |",
            *(f"| {_md(why)} | {n} |" for why, n in named.most_common(TOP)), ""]


def _md(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ") or " "


def write_histogram(path: Path, rows: list[Graded]) -> Path:
    """A PNG histogram of the scores (percent of the maximum), written atomically."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 3.2), dpi=100)
    ax = fig.subplots()
    ax.hist(percents(rows), bins=[10 * i for i in range(BINS + 1)], color="#4c72b0", edgecolor="white")
    ax.set_xlabel("score (% of the maximum)")
    ax.set_ylabel("students")
    ax.set_xlim(0, 100)
    fig.tight_layout()
    with atomic_path(path) as tmp:
        fig.savefig(tmp, format="png")
    return path
