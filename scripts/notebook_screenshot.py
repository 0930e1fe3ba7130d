"""Draw the notebook page's picture of the stepper: its HTML in headless Chromium, saved as PNG.

    PYTHONPATH=. python scripts/notebook_screenshot.py [--out docs/images/notebook-stepper.png] [--step 7]

Writes `bt.example("hand-backprop")`'s HTML stepper (the same step HTML and style sheet as the widget)
to a temporary page, opens it in Debian's chromium (with chromium-driver and selenium), presses → until
`--step` (counted from 1), and saves a screenshot of the stepper. Run it again after a change to the
notebook views and commit the file.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def draw(out: Path, step: int) -> Path:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    import backprop_tutor as bt

    with tempfile.TemporaryDirectory() as folder:
        page = Path(folder) / "stepper.html"
        page.write_text("<!doctype html><meta charset=utf-8><body style='margin:8px;background:#fff'>"
                        f"{bt.example('hand-backprop').html()}</body>", encoding="utf-8")
        options = webdriver.ChromeOptions()
        options.binary_location = shutil.which("chromium") or ""
        for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--window-size=1200,1000",
                     f"--user-data-dir={folder}/profile", "--hide-scrollbars"):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or ""), options=options)
        try:
            driver.get(page.as_uri())
            stepper = driver.find_element(By.CSS_SELECTOR, ".bt-stepper")
            for _ in range(step - 1):
                stepper.send_keys(Keys.ARROW_RIGHT)
            out.write_bytes(stepper.screenshot_as_png)
        finally:
            driver.quit()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images" / "notebook-stepper.png")
    parser.add_argument("--step", type=int, default=7)
    args = parser.parse_args()
    print(f"wrote {draw(args.out, args.step)}")


if __name__ == "__main__":
    main()
