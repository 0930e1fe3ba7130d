"""Draw the README's picture of the step-through UI: the app itself, headless, saved as SVG.

    PYTHONPATH=. python scripts/screenshot.py [--out docs/images/tutor-view.svg] [--step 7] [--size 120x34]

Opens the hand-worked example (float64) in `TutorApp` through Textual's Pilot, steps to `--step`
(counted from 1, as the status line counts; 7 is δ(2), where float64's rounding noise is flagged),
and writes `App.save_screenshot`'s SVG. Run it again after a change to the UI and commit the file.
"""

from __future__ import annotations

import argparse
import asyncio
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


async def draw(out: Path, step: int, size: tuple[int, int]) -> Path:
    """Step the hand example to ``step`` (from 1) at ``size`` (columns, rows) and save the screen as SVG."""
    from backprop_tutor.spec import load_spec, resolve_example, run_spec
    from backprop_tutor.tui.app import TutorApp

    app = TutorApp(run_spec(load_spec(resolve_example("hand-backprop")), "float64"))
    async with app.run_test(size=size) as pilot:
        for _ in range(step - 1):
            await pilot.press("right")
        await pilot.pause()
        app.save_screenshot(out.name, str(out.parent))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images" / "tutor-view.svg")
    parser.add_argument("--step", type=int, default=7, help="the step shown, from 1 (default 7: δ(2))")
    parser.add_argument("--size", default="120x34", help="columns x rows (default 120x34)")
    args = parser.parse_args()
    columns, rows = (int(n) for n in args.size.split("x"))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    print(f"wrote {asyncio.run(draw(args.out, args.step, (columns, rows)))}")


if __name__ == "__main__":
    main()
