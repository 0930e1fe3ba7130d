"""`tutor serve` in a real browser: headless Chromium, driven by Selenium, on 127.0.0.1.

The terminal in the page (xterm.js) draws on a canvas, so the test reads what the app sends it: a
script installed before the page's own records every frame the page's WebSocket receives, and the
test looks for the status line in it (escape sequences removed), then presses → in the page.
Chromium's performance log lists every request the page made: all of them must go to 127.0.0.1.
Skips, saying why, when chromium, chromedriver or selenium are missing (`.ci/run` installs them)."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from tui_helpers import contrast_ratio

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="needs Debian's chromium and chromium-driver (apt-get install -y chromium chromium-driver; "
           ".ci/run installs them when it runs as root with apt)")

# every frame the page's WebSocket receives, decoded as UTF-8, in window.__frames
RECORD_FRAMES = """
window.__frames = [];
const Original = window.WebSocket;
window.WebSocket = function (...args) {
  const ws = new Original(...args);
  const decoder = new TextDecoder("utf-8");
  ws.addEventListener("message", (event) => {
    if (typeof event.data === "string") { window.__frames.push(event.data); }
    else if (event.data instanceof ArrayBuffer) { window.__frames.push(decoder.decode(event.data, {stream: true})); }
    else if (event.data instanceof Blob) { event.data.text().then((t) => window.__frames.push(t)); }
  });
  return ws;
};
window.WebSocket.prototype = Original.prototype;
Object.assign(window.WebSocket, {CONNECTING: 0, OPEN: 1, CLOSING: 2, CLOSED: 3});
"""
ESCAPES = re.compile(r"\x1b(\[[0-9;?<>=]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|[=>78DEHMc])")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"tutor serve exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"tutor serve did not listen on 127.0.0.1:{port} within {seconds} s")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    log = (tmp_path / "serve.log").open("w")
    process = subprocess.Popen([sys.executable, "-m", "backprop_tutor", "serve", "hand-backprop", "--port", str(port)],
                               cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}/"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)  # the server and the app sessions it started
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


@pytest.fixture
def browser(chromium):
    chromium.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_FRAMES})
    # a headless window never has the system's focus, so focus events would not fire in it; a student's
    # click gives the window focus too
    chromium.execute_cdp_cmd("Emulation.setFocusEmulationEnabled", {"enabled": True})
    return chromium


def drawn(driver) -> str:
    return ESCAPES.sub("", driver.execute_script("return (window.__frames || []).join('')"))


def wait_until_drawn(driver, text: str, seconds: float = 60) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        screen = drawn(driver)
        if text in screen:
            return screen
        time.sleep(0.25)
    raise AssertionError(f"{text!r} never reached the page; it received:\n{drawn(driver)[-2000:]}")


BROWSER_PAGES = ("chrome:", "chrome-untrusted:")  # the browser's own pages: its new-tab page loads while the test runs


def requests(driver) -> list[str]:
    """The address of every request and WebSocket opened since the last call (Chromium's performance log),
    but those of the browser's own pages (its new-tab page)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            if not message["params"].get("documentURL", "").startswith(BROWSER_PAGES):
                urls.append(message["params"]["request"]["url"])
        elif message["method"] == "Network.webSocketCreated":
            urls.append(message["params"]["url"])
    return urls


def off_the_machine(urls: list[str]) -> list[str]:
    """The requests that would leave this machine: any but data:/blob:/chrome: ones and those to 127.0.0.1."""
    local = ("data", "blob", "chrome", "chrome-untrusted")
    return [url for url in urls if urlsplit(url).scheme not in local and urlsplit(url).hostname != "127.0.0.1"]


def hint(driver) -> str:
    """The "click to start" bar as the student sees it ("" when it is hidden)."""
    from selenium.webdriver.common.by import By

    bars = driver.find_elements(By.ID, "click-hint")
    return bars[0].text if bars and bars[0].is_displayed() else ""


def hint_contrast(driver) -> float:
    """The contrast ratio (WCAG 2) of the bar's text on its background, as the browser computed them."""
    colours = driver.execute_script(
        "const style = getComputedStyle(document.getElementById('click-hint'));"
        "return [style.color, style.backgroundColor];")
    text, background = (tuple(int(n) for n in re.findall(r"\d+", colour)[:3]) for colour in colours)
    return contrast_ratio(text, background)


def test_the_browser_shows_the_first_step_and_steps_on(served, browser):
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    browser.get(served)
    for text in ("step 1 of 14 · forward · a(0) = x", "W(1) b(1)", "a(0) = x = [1, -1, 1]"):  # status, network, step
        wait_until_drawn(browser, text)
    assert "-first-byte" in browser.find_element(By.TAG_NAME, "body").get_attribute("class")  # the terminal is shown
    # the keys do nothing until the page has the keyboard: the page says what to do, over the key bar
    assert "Click to start" in hint(browser)
    assert hint_contrast(browser) >= 4.5  # WCAG AA for text
    # what a click on the page does: focus the terminal's input, then type →
    browser.execute_script("document.querySelector('.xterm-helper-textarea').focus()")
    assert hint(browser) == ""
    ActionChains(browser).send_keys(Keys.ARROW_RIGHT).perform()
    for text in ("step 2 of 14 · forward · s(1)", "s(1) = W(1) a(0) + b(1)", "Help"):  # the keys work
        wait_until_drawn(browser, text)
    browser.execute_script("document.activeElement.blur()")  # the keyboard elsewhere: say how to come back
    assert "Click to go on" in hint(browser)
    urls = requests(browser)
    assert any("/static/fonts/" in url for url in urls)  # the page's font comes from the server itself ...
    assert browser.execute_script(  # ... and loaded
        "return [...document.fonts].some(f => f.family.includes('Roboto Mono') && f.status === 'loaded')")
    assert off_the_machine(urls) == [], "the page asked another machine for something"


def test_a_small_window_still_gets_80_columns_and_24_rows(served, browser):
    """800×600: the page writes smaller (down to 11 px) rather than give the app fewer than 80×24 cells."""
    browser.set_window_size(800, 600)
    browser.get(served)
    wait_until_drawn(browser, "step 1 of 14 · forward")
    sockets = [urlsplit(url) for url in requests(browser) if urlsplit(url).scheme == "ws"]
    assert len(sockets) == 1
    size = dict(part.split("=") for part in sockets[0].query.split("&"))
    assert int(size["width"]) >= 80 and int(size["height"]) >= 24, size
