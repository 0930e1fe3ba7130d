"""What tests in several folders share: a headless Chromium (the browser tests of `tutor serve` and of
the notebook stepper), offline, in the test's temporary folder."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
#: for `pytest.mark.skipif(NO_CHROMIUM, reason=NO_CHROMIUM_REASON)`
NO_CHROMIUM = CHROMIUM is None or CHROMEDRIVER is None
NO_CHROMIUM_REASON = ("needs Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver; "
                      ".ci/run installs them when it runs as root with apt)")


@pytest.fixture
def chromium(tmp_path: Path) -> Iterator[Any]:
    """A headless Chromium driven by Selenium that reaches nothing but 127.0.0.1, logging what it asks for; quit
    at the end."""
    if NO_CHROMIUM:
        pytest.skip(NO_CHROMIUM_REASON)
    webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium (pip install -e '.[test]')")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 f"--user-data-dir={tmp_path / 'chromium-profile'}", "--window-size=1400,1000",
                 # a page that asks another host (fonts.googleapis.com) hears "no such host" at once, offline
                 "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"):
        options.add_argument(flag)
    # every request the page makes, for `driver.get_log("performance")` (Network.* events of the DevTools protocol)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
