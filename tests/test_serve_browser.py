"""`quizapp serve` in a real browser: headless Chromium, driven by Playwright, studies one question.

The page is textual-serve's: xterm.js draws the terminal on a canvas (WebGL or 2D), so the screen's
text is not in the DOM. The test reads it from xterm.js's own buffer, the text of every cell the
terminal holds, through xterm's public API (`buffer.active.getLine(y).translateToString()`). The
page's script keeps its Terminal in a closure, so the test serves that script with one statement
added that hands the Terminal to `window` (the route below); the app and the server are untouched.

Chromium is Debian's (`chromium`, never a browser Playwright downloads). Without it or without
Playwright the test skips and says why, except under QUIZAPP_REQUIRE_BROWSER=1 (CI), where it fails.
QUIZAPP_BROWSER_SCREENSHOT=PATH saves a PNG of the feedback screen.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from .serving import start_serve, still_running, stop, wait_for_children

CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Where textual.js creates its Terminal: the one statement the test adds after it exposes it.
OPEN_TERMINAL = "this.terminal.open(e),"
EXPOSE_TERMINAL = OPEN_TERMINAL + "window.__quizappTerminal=this.terminal,"
SCREEN_JS = """() => {
  const term = window.__quizappTerminal;
  if (!term) return null;
  const buffer = term.buffer.active, rows = [];
  for (let y = 0; y < term.rows; y++) {
    const line = buffer.getLine(buffer.viewportY + y);
    rows.push(line ? line.translateToString(true) : "");
  }
  return rows.join("\\n");
}"""
WAIT_S = 90  # a tab starts a whole quizapp process; CI machines are shared


def chromium_or_skip() -> str:
    """The path of Debian's Chromium with Playwright importable, else a skip (a failure on CI)."""
    chromium = shutil.which("chromium") or next(
        (p for p in ("/usr/bin/chromium",) if os.access(p, os.X_OK)), None
    )
    missing = []
    if chromium is None:
        missing.append("no Chromium: install Debian's chromium package (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("no Playwright for Python: pip install -e '.[test]'")
    if missing:
        reason = "; ".join(missing)
        if os.environ.get("QUIZAPP_REQUIRE_BROWSER") == "1":
            pytest.fail(f"QUIZAPP_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    assert chromium is not None
    return chromium


def screen(page: Any) -> str:
    """The terminal's text as the browser holds it, one line per row."""
    return page.evaluate(SCREEN_JS) or ""


def wait_for_screen(page: Any, pattern: str, timeout: float = WAIT_S) -> re.Match[str]:
    """Wait until the screen's text matches `pattern`; fail with the last screen if it never does."""
    deadline = time.monotonic() + timeout
    while True:
        text = screen(page)
        found = re.search(pattern, text)
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"no {pattern!r} on screen after {timeout} s; it shows:\n{text}")
        time.sleep(0.2)


@pytest.mark.skipif(sys.platform == "win32", reason="quizapp is POSIX-only")
def test_a_browser_tab_studies_a_question_and_sigterm_ends_it(tmp_path: Path) -> None:
    chromium = chromium_or_skip()
    from playwright.sync_api import Route, sync_playwright

    proc, url = start_serve(tmp_path / "data")
    exposed: list[bool] = []

    def route(request_route: Route) -> None:
        """The page's script with its Terminal exposed; nothing leaves this machine (the page asks
        for a web font, which would only wait for a network that is not there)."""
        address = request_route.request.url
        if not address.startswith(url):
            request_route.abort()
        elif address.endswith("/js/textual.js"):
            script = request_route.fetch().text()
            exposed.append(OPEN_TERMINAL in script)
            request_route.fulfill(
                body=script.replace(OPEN_TERMINAL, EXPOSE_TERMINAL, 1), content_type="application/javascript"
            )
        else:
            request_route.continue_()

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            try:
                page = browser.new_page(viewport={"width": 1280, "height": 800})
                page.route("**/*", route)
                page.goto(url)
                assert exposed == [True], "textual.js no longer opens its terminal as the test expects"
                wait_for_screen(page, r"Press s to study every question")  # the home screen
                [app] = wait_for_children(proc.pid, 1)  # one quizapp process for this tab
                page.locator(".xterm-helper-textarea").focus()  # where xterm.js takes keys

                page.keyboard.press("s")  # study everything
                wait_for_screen(page, r"Submit")
                chosen = re.search(r"0 of (\d) chosen", screen(page))
                for letter in "abcdefgh"[: int(chosen.group(1)) if chosen else 1]:
                    page.keyboard.press(letter)
                page.keyboard.press("Enter")
                verdict = wait_for_screen(page, r"[✓✗] (Correct|Incorrect)")
                assert re.search(r"Rated (Again|Hard|Good|Easy)", screen(page)), screen(page)
                if shot := os.environ.get("QUIZAPP_BROWSER_SCREENSHOT"):
                    page.screenshot(path=shot)
                assert (tmp_path / "data").is_dir() and any((tmp_path / "data").iterdir())

                proc.send_signal(signal.SIGTERM)  # with the tab still open
                code, out, err = stop(proc)
            finally:
                browser.close()
    finally:
        if proc.poll() is None:
            proc.kill()
    assert verdict.group(1) in ("Correct", "Incorrect")
    assert code == 0, err
    assert "Traceback" not in out + err
    assert still_running([app]) == []


def test_no_browser_skips_and_says_why_unless_ci_requires_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(os, "access", lambda path, mode: False)
    monkeypatch.delenv("QUIZAPP_REQUIRE_BROWSER", raising=False)
    with pytest.raises(pytest.skip.Exception, match="no Chromium: install Debian's chromium package"):
        chromium_or_skip()
    monkeypatch.setenv("QUIZAPP_REQUIRE_BROWSER", "1")
    with pytest.raises(pytest.fail.Exception, match="QUIZAPP_REQUIRE_BROWSER=1 but no Chromium"):
        chromium_or_skip()
