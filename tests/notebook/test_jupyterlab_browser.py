"""The stepper in a real JupyterLab, driven by headless Chromium (Selenium), on 127.0.0.1.

The test starts JupyterLab on a free port with a temporary root and no token, opens a notebook that
calls `bt.example("hand-backprop")`, runs it, clicks ▶ and presses → in the widget, and reads the step's
status and equation change on the page; then asks the kernel for `ex.step` (the step syncs back). The
HTML stepper (a saved notebook's fallback) is opened as a file and stepped the same way. Skips, saying
why, without chromium, chromedriver, selenium or jupyterlab (`.ci/run` installs the first two)."""

from __future__ import annotations

import importlib.util
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


NOTEBOOK_CELLS = ['import backprop_tutor as bt\nex = bt.example("hand-backprop")\nex', "print('on step', ex.step)"]


#: the notebook panel (headless, the shell's currentWidget may be null: nothing has focus)
NOTEBOOK = ("const app = window.jupyterapp; const nb = app && Array.from(app.shell.widgets('main'))"
            ".find((w) => w.sessionContext && w.content && w.content.widgets);")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait(what: str, check: Callable[[], object], seconds: float = 90, shown: Callable[[], str] = str) -> object:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.25)
    raise AssertionError(f"{what} did not happen within {seconds} s; the page shows: {shown()[-2000:]}")


@pytest.fixture
def lab_server(tmp_path: Path) -> Iterator[tuple[subprocess.Popen, int]]:
    """JupyterLab starting (not yet listening) on a free port: (its process, the port)."""
    if importlib.util.find_spec("jupyterlab") is None:  # looked up, not imported: JupyterLab runs in its own process
        pytest.skip("needs jupyterlab (pip install jupyterlab)")
    nbformat = pytest.importorskip("nbformat")
    root = tmp_path / "root"
    root.mkdir()
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}  # no kernel dialog
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in NOTEBOOK_CELLS],
                                            metadata={"kernelspec": kernel}), root / "stepper.ipynb")
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "config"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime")}
    log = (tmp_path / "lab.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         f"--ServerApp.root_dir={root}", "--IdentityProvider.token=", "--ServerApp.password=",
         "--allow-root", "--LabApp.expose_app_in_browser=True", "--ServerApp.disable_check_xsrf=True",
         "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield process, port
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)  # the server and the kernel it started
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


@pytest.fixture
def lab(lab_server: tuple[subprocess.Popen, int], chromium, tmp_path: Path) -> str:
    """The stepper notebook's address in JupyterLab, once it listens (Chromium started meanwhile: `chromium` is
    asked for after the server is started and before it is waited for)."""
    process, port = lab_server
    wait("JupyterLab listening", lambda: _listening(port, process, tmp_path / "lab.log"), 90)
    return f"http://127.0.0.1:{port}/lab/tree/stepper.ipynb"


def _listening(port: int, process: subprocess.Popen, log: Path) -> bool:
    if process.poll() is not None:
        raise AssertionError(f"JupyterLab exited with {process.returncode}:\n{log.read_text()[-3000:]}")
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


def _text(driver, css: str) -> str:
    return driver.execute_script(f"const e = document.querySelector({css!r}); return e ? e.innerText : ''")


def test_the_widget_steps_with_the_button_and_the_arrow_key_in_jupyterlab(lab, chromium):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    chromium.get(lab)
    wait("the notebook's kernel", lambda: chromium.execute_script(NOTEBOOK + "return !!(nb && nb.sessionContext.session"
                                                                 " && nb.sessionContext.session.kernel);"))
    chromium.execute_script(NOTEBOOK + "window.jupyterapp.shell.activateById(nb.id);"
                           "window.jupyterapp.commands.execute('notebook:run-all-cells')")
    widget = "[data-bt-widget] .bt-status"
    wait("the widget's first step", lambda: "step 1 of 14 · forward" in _text(chromium, widget), 120)
    assert "a(0) = x = [1, -1, 1]" in _text(chromium, "[data-bt-widget] .bt-equations")

    chromium.find_element(By.CSS_SELECTOR, "[data-bt-widget] button[title^='next step']").click()
    wait("step 2 after ▶", lambda: "step 2 of 14 · forward · s(1)" in _text(chromium, widget))
    assert "s(1) = W(1) a(0) + b(1)" in _text(chromium, "[data-bt-widget] .bt-equations")

    active_cell = chromium.execute_script(NOTEBOOK + "return nb.content.activeCellIndex")
    chromium.find_element(By.CSS_SELECTOR, "[data-bt-widget]").send_keys(Keys.ARROW_RIGHT)
    wait("step 3 after →", lambda: "step 3 of 14 · forward · s(2)" in _text(chromium, widget))
    assert "s(2) = W(2) a(1) + b(2)" in _text(chromium, "[data-bt-widget] .bt-equations")
    # the key went to the stepper, not to JupyterLab's command mode (which would move the cell selection)
    assert chromium.execute_script(NOTEBOOK + "return nb.content.activeCellIndex") == active_cell

    # ipywidgets holds back a model update while an earlier one is unanswered, so the kernel may see the
    # last step a moment later: run the cell again until it does
    second_cell = lambda: chromium.execute_script("return document.querySelectorAll('.jp-Cell')[1].innerText")  # noqa: E731

    def kernel_sees_step_3() -> bool:
        chromium.execute_script(NOTEBOOK + "nb.content.activeCellIndex = 1; app.commands.execute('notebook:run-cell')")
        try:  # the cell's new output, or another run of it after 2 s
            return bool(wait("the second cell's output", lambda: "on step 2" in second_cell(), 2))
        except AssertionError:
            return False

    wait("the kernel to see step 3 (index 2)", kernel_sees_step_3, 60, second_cell)
    if shot := os.environ.get("BACKPROP_TUTOR_SCREENSHOT"):  # the docs' picture of the live widget
        Path(shot).write_bytes(chromium.find_element(By.CSS_SELECTOR, "[data-bt-widget]").screenshot_as_png)


def test_the_html_stepper_steps_without_a_kernel(tmp_path: Path, chromium):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    import backprop_tutor as bt

    page = tmp_path / "saved.html"
    page.write_text(f"<!doctype html><meta charset=utf-8><body>{bt.example('hand-backprop').html()}</body>",
                    encoding="utf-8")
    chromium.get(page.as_uri())
    shown = "section.bt-step:not([hidden]) .bt-status"
    wait("the first step", lambda: "step 1 of 14" in _text(chromium, shown), 30)
    assert len(chromium.find_elements(By.CSS_SELECTOR, "section.bt-step")) == 14
    chromium.find_element(By.CSS_SELECTOR, ".bt-bar button[title^='next step']").click()
    wait("step 2 after ▶", lambda: "step 2 of 14" in _text(chromium, shown))
    chromium.find_element(By.CSS_SELECTOR, ".bt-stepper").send_keys(Keys.ARROW_RIGHT)
    wait("step 3 after →", lambda: "step 3 of 14" in _text(chromium, shown))
    assert "s(2) = W(2) a(1) + b(2)" in _text(chromium, "section.bt-step:not([hidden]) .bt-equations")
    chromium.find_element(By.CSS_SELECTOR, ".bt-stepper").send_keys(Keys.END)
    wait("the last step after End", lambda: "step 14 of 14" in _text(chromium, shown))
