"""What tests in several folders share: a headless Chromium (the browser tests of `tutor serve` and of
the notebook stepper), offline, in the test's temporary folder; and how the suite is spread over workers."""

from __future__ import annotations

import gc
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# OpenBLAS's threads spin for 2**28 cycles (about 0.1 s) after each product before they sleep, and a sweep's
# retraining uses two of them on 2 cores. With several workers on those cores the spinning took 10-20 % of
# the training tests' CPU; here they sleep after 2**4 cycles. Results do not change (only how idle threads
# wait), and the processes the tests start inherit it. Set before anything loads OpenBLAS; a value already
# in the environment is kept.
os.environ.setdefault("OPENBLAS_THREAD_TIMEOUT", "4")
# matplotlib keeps its font list under XDG_CACHE_HOME, which the training and data tests point at a new folder
# for each test: every process that drew a plot there (a `tutor train` child, a sweep's worker) built the list
# again, about 0.2 s of CPU. One folder for every run instead (MPLCONFIGDIR; the user's matplotlibrc, which
# would live there too, then does not style the tests' plots either); a value already set is kept.
os.environ.setdefault("MPLCONFIGDIR", str(Path(tempfile.gettempdir()) / f"backprop_tutor-tests-mpl-{os.getuid()}"))


def _cache_bytecode() -> None:
    """With PYTHONDONTWRITEBYTECODE set (this container sets it) nothing compiled is kept: each xdist worker
    rewrote every test module's asserts again (about 2 s of CPU a worker), and each `tutor` process and notebook
    kernel the tests start compiled the package's modules again. The tests write bytecode as Python does by
    default, into `__pycache__/` beside each module (ignored by git; the installed packages have theirs there
    already, from pip), once per checkout; Python checks each cached file against its source. For this process
    and every process it starts: xdist's workers, started after this file is read, inherit it."""
    if os.environ.pop("PYTHONDONTWRITEBYTECODE", None) is not None:
        sys.dont_write_bytecode = False


_cache_bytecode()

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


#: folders whose tests take seconds each (notebook kernels, training runs and sweeps, Pilot walks): run first,
#: so that the many short tests fill the workers' last minutes instead of one long test running alone at the end
LONG_FIRST = ("notebook", "train", "tui")


def pytest_xdist_auto_num_workers(config: pytest.Config) -> int | None:
    """`-n auto` (the default in pyproject.toml): one worker per core. Two a core paid while Textual's Pilot slept
    20 ms after every key; since the UI tests wait for the app to settle instead (tests/tui/conftest.py) the
    suite is CPU-bound, and a second worker a core only added contention: alternated on 2 cores, 104.5 and 105.1 s
    with 2 workers, 108.1 and 109.8 s with 3, 114.9 and 110.3 s with 4 (benchmarks/README.md, "The test suite").
    A worker costs about 4 s of CPU to start (collection and imports). PYTEST_XDIST_AUTO_NUM_WORKERS=N or `-n N`
    still sets the number."""
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # pytest-xdist's own rule reads it
    from backprop_tutor.memory import cores_here  # the package's count (CPU affinity), as training's

    return cores_here()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The folders of LONG_FIRST first, each module's tests kept together and in their order (a module's
    fixture is built once per worker)."""
    root = Path(__file__).parent

    def rank(item: pytest.Item) -> int:
        parts = item.path.relative_to(root).parts if item.path.is_relative_to(root) else ()
        return LONG_FIRST.index(parts[0]) if parts and parts[0] in LONG_FIRST else len(LONG_FIRST)

    items.sort(key=rank)  # a stable sort: within a rank, the collection order


def pytest_collection_finish(session: pytest.Session) -> None:
    """Python's cycle collector took a third of the UI tests' CPU: every full collection walks every object
    the imports made (Textual, matplotlib, numpy, …), again and again. Freeze those (they live to the end
    anyway) and collect the young generation less often; cycles are still collected, a little later (a
    worker holds about 30 MB more). Only this pytest process: a `tutor` the tests start runs as users run it."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(10_000, 10, 10)


_UNTRACKED = pytest.StashKey[set[str] | None]()


def pytest_sessionstart(session: pytest.Session) -> None:
    """The repository's untracked files before the run (in the process that reports), for `pytest_sessionfinish`."""
    if not hasattr(session.config, "workerinput"):
        session.config.stash[_UNTRACKED] = _untracked()


def pytest_sessionfinish(session: pytest.Session) -> None:
    """At its end pytest makes five full collections, to bring out exceptions raised in objects' finalizers; in
    a worker whose heap the tests have grown (fixtures, caches, Textual's apps) they took 1.8-2.8 s, all of it
    after the last test. One collection here, while pytest still listens for those exceptions, then a freeze of
    what survives it: the five walk only what is made after.

    Then, in the process that reports, the run fails if it left a file in the repository that was not there
    before (a test that wrote into the folder pytest ran from instead of its tmp_path: the UI's walk once did)."""
    gc.collect()
    gc.freeze()
    before = session.config.stash.get(_UNTRACKED, None)
    after = _untracked() if before is not None else None
    if before is not None and after is not None and after - before:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        if reporter is not None:
            reporter.write("\n")  # (after xdist's progress, which ends without one)
            reporter.write_line(f"the tests left files in the repository: {', '.join(sorted(after - before))}; a "
                                "test must write into its tmp_path", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _untracked() -> set[str] | None:
    """The files of the repository that git neither tracks nor ignores, or None outside a git checkout."""
    root = Path(__file__).resolve().parent.parent
    if not (root / ".git").exists() or shutil.which("git") is None:
        return None
    listed = subprocess.run(["git", "-C", str(root), "ls-files", "--others", "--exclude-standard", "-z"],
                            capture_output=True, timeout=60, check=False)
    return set(listed.stdout.decode(errors="replace").split("\0")) - {""} if listed.returncode == 0 else None
