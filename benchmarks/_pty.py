"""A program in an 80x24 pseudo-terminal, read the way a person sees it (shared by the benchmarks).

Output is accumulated with ANSI escapes stripped, so a marker is found however Textual styles or
positions the text. Used by startup.py and keypress.py; not a benchmark itself.

The programs run as installed programs do: with their bytecode cached. A PYTHONDONTWRITEBYTECODE
in the environment (some sandboxes set it) is dropped for them, or every start would recompile
quizapp from source (about 20 ms) while Textual's own bytecode is cached.
"""

from __future__ import annotations

import fcntl
import os
import pty
import re
import select
import signal
import struct
import termios
import time

ANSI = re.compile(rb"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")
ENV = {"TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"}


def program_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a measured program: ours, bytecode caching allowed, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return {**env, **(extra or {})}


class Terminal:
    """A running program in a pty: send keys, wait for text, close."""

    def __init__(self, command: list[str], env: dict[str, str] | None = None) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: become the program
            os.execvpe(command[0], command, program_env({**ENV, **(env or {})}))
        fcntl.ioctl(self.fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
        self.started = time.perf_counter()
        self.seen = b""

    def _read(self, timeout: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], timeout)
        if not ready:
            return False
        try:
            self.seen += os.read(self.fd, 65536)
        except OSError:
            raise SystemExit("the program ended early") from None
        return True

    def wait_for(self, marker: str, timeout: float = 30.0) -> float:
        """perf_counter() when ``marker`` first appears in what was drawn since the last ``mark()``."""
        needle = marker.encode()
        end = time.perf_counter() + timeout
        while time.perf_counter() < end:
            if self._read(0.05) and needle in ANSI.sub(b"", self.seen):
                return time.perf_counter()
        raise SystemExit(f"{marker!r} never appeared within {timeout} s")

    def settle(self, quiet: float = 0.3) -> None:
        """Read until the program has drawn nothing for ``quiet`` seconds."""
        while self._read(quiet):
            pass

    def mark(self) -> None:
        """Forget what was drawn so far: the next wait looks only at new output."""
        self.seen = b""

    def press(self, keys: bytes) -> float:
        """Send keys; perf_counter() just before they were written."""
        at = time.perf_counter()
        os.write(self.fd, keys)
        return at

    def close(self) -> None:
        """Ask the program to quit (q), then end it."""
        try:
            os.write(self.fd, b"q")
            time.sleep(0.2)
            os.kill(self.pid, signal.SIGTERM)
        except OSError:
            pass
        os.waitpid(self.pid, 0)
        os.close(self.fd)
