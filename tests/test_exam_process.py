"""The real program in a real pseudo-terminal: answers survive SIGKILL, and the exam is offered and
resumed by the next run. Screen text is read from the terminal output (escape codes stripped),
waiting for it with a bounded timeout rather than fixed sleeps."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import signal
import struct
import sys
import termios
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from quizapp.bank import load_bank
from quizapp.exam_store import ExamStore
from quizapp.store import Store
from quizapp.study.choice import exam_order

ROOT = Path(__file__).resolve().parent.parent
EXAM_BANK = Path(__file__).parent / "fixtures" / "exam_bank"
WAIT_S = 30.0
"""The longest any screen text may take to appear (a cold start on a busy machine included)."""

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")

ESCAPES = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: cursor moves, colours, modes
    rb"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"  # OSC
    rb"|\x1b[PX^_].*?\x1b\\"  # DCS and friends
    rb"|\x1b[@-Z\\-_]",  # two-byte escapes
    re.DOTALL,
)


class Terminal:
    """`python -m quizapp ARGS` on the child side of a pseudo-terminal of a fixed size."""

    def __init__(self, args: list[str], columns: int = 80, lines: int = 24) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("QUIZAPP_", "TEXTUAL"))}
        env.update(TERM="xterm-256color", PYTHONPATH=str(ROOT), COLUMNS=str(columns), LINES=str(lines))
        pid, fd = os.forkpty()
        if pid == 0:  # the child: size its terminal, then become quizapp
            try:
                fcntl.ioctl(0, termios.TIOCSWINSZ, struct.pack("HHHH", lines, columns, 0, 0))
                os.chdir(ROOT)
                os.execve(sys.executable, [sys.executable, "-m", "quizapp", *args], env)
            finally:
                os._exit(127)
        self.pid = pid
        self.fd = fd
        self.output = b""
        self.mark = 0

    def _read(self, timeout: float) -> bool:
        """Read what the program wrote; False once it has closed the terminal."""
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return True
        try:
            data = os.read(self.fd, 1 << 16)
        except OSError:  # EIO: the child side is closed
            return False
        self.output += data
        return bool(data)

    def text(self, since: int = 0) -> str:
        """The output since byte ``since`` with the escape codes removed."""
        return ESCAPES.sub(b"", self.output[since:]).decode("utf-8", "replace")

    def wait_for(self, pattern: str, timeout: float = WAIT_S) -> re.Match[str]:
        """Wait until ``pattern`` (a regex) shows up in the output written since the last send."""
        deadline = time.monotonic() + timeout
        while True:
            match = re.search(pattern, self.text(self.mark))
            if match:
                return match
            left = deadline - time.monotonic()
            if left <= 0 or not self._read(min(0.2, left)):
                raise AssertionError(
                    f"{pattern!r} not on screen after {timeout:.0f} s; it shows:\n"
                    + self.text(self.mark)[-2000:]
                )

    def send(self, keys: str) -> None:
        """Type keys; what is waited for next must appear after this point."""
        self.mark = len(self.output)
        os.write(self.fd, keys.encode())

    def wait_exit(self, timeout: float = WAIT_S) -> int:
        """Wait for the program to end by itself (draining its output); its exit code."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.pid = 0
                return os.waitstatus_to_exitcode(status)
            self._read(0.1)
        raise AssertionError(f"still running after {timeout:.0f} s")

    def kill(self) -> None:
        """SIGKILL: no cleanup of any kind in the program."""
        if self.pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
            self.pid = 0
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1


@pytest.fixture
def terminals() -> Iterator[list[Terminal]]:
    """Started terminals, killed at the end whatever happens."""
    started: list[Terminal] = []
    yield started
    for terminal in started:
        with contextlib.suppress(ChildProcessError, OSError):
            terminal.kill()


def test_answers_survive_sigkill_and_the_exam_is_offered_then_resumed(
    tmp_path: Path, terminals: list[Terminal]
) -> None:
    data = tmp_path / "data"
    where = ["--bank", str(EXAM_BANK), "--data-dir", str(data)]

    exam = Terminal(["exam", "--questions", "5", "--seed", "1", *where])
    terminals.append(exam)
    exam.wait_for(r"Start the clock")
    exam.send("\r")
    exam.wait_for(r"Question 1 / 5")
    exam.wait_for(r"\d\d:\d\d left")
    # question 1 takes two answers, so one pick leaves it incomplete
    shows = ("0 answered · 1 incomplete", "1 answered · 1 incomplete", "2 answered · 1 incomplete")
    for number, key in ((1, "a"), (2, "b"), (3, "a")):
        if number == 3:
            time.sleep(1.5)  # a learner thinks: let the exam clock run, so there is used time to keep
        exam.send(key)
        exam.wait_for(shows[number - 1])  # saved before the screen says so
        if number < 3:
            exam.send("n")
            exam.wait_for(rf"Question {number + 1} / 5")
    exam.kill()

    store = Store.in_dir(data)
    try:
        exam_id = ExamStore(store).open_exam_id()
        assert exam_id is not None
        items = store.db.execute(
            "SELECT question_id, chosen FROM exam_items WHERE exam_id = ? ORDER BY position", (exam_id,)
        ).fetchall()
        bank = load_bank(EXAM_BANK).bank
        assert bank is not None
        shown = [exam_order(bank.question(qid), 1) for qid, _ in items]  # the order seed 1 shows
        assert items == [
            ("ex-a2-two", f'["{shown[0][0]}"]'),  # a: the first option shown
            ("ex-a1-path", f'["{shown[1][1]}"]'),  # b: the second
            ("ex-a3-scale", f'["{shown[2][0]}"]'),
            ("ex-s1-kv", "[]"),
            ("ex-s2-decode", "[]"),
        ]
        assert store.answers() == []  # an open exam is a sealed draft
    finally:
        store.close()

    home = Terminal(where)
    terminals.append(home)
    home.wait_for(r"An unfinished exam: 3/5 answered, 0\d:\d\d left")
    home.kill()

    resumed = Terminal(["exam", "--resume", *where])
    terminals.append(resumed)
    resumed.wait_for(r"Question 3 / 5")
    left = resumed.wait_for(r"(\d\d):(\d\d) left")
    assert 9 * 60 <= int(left[1]) * 60 + int(left[2]) < 10 * 60  # the time used before the kill is kept
    resumed.send("q")  # inside an exam, q asks to pause it, like escape
    resumed.wait_for(r"Pause the exam\?")
    resumed.send("y")
    resumed.wait_for(r"An unfinished exam: paused")
    resumed.send("q")
    assert resumed.wait_exit() == 0


@pytest.mark.parametrize("after", ["h", "s", "i", "b"])
def test_a_key_typed_with_q_in_one_burst_does_not_break_the_exit(tmp_path, terminals, after):
    """'q' then another key before the app is gone used to open that key's screen while the app
    tore its screens down: a NoMatches traceback and exit status 1."""
    app = Terminal(["--bank", str(EXAM_BANK), "--data-dir", str(tmp_path / "data")])
    terminals.append(app)
    app.wait_for(r"Study")
    app.send("q" + after)
    assert app.wait_exit() == 0
    assert "Traceback" not in app.text() and "NoMatches" not in app.text()
