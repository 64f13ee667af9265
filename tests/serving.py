"""Helpers for the `quizapp serve` tests: start the server as a user would, find its tab processes."""

from __future__ import annotations

import os
import re
import selectors
import subprocess
import sys
import time
from pathlib import Path

from .conftest import ROOT

START_TIMEOUT_S = 60  # the first start imports aiohttp and textual-serve on a machine shared with others


def start_serve(data: Path, *extra: str, new_session: bool = False) -> tuple[subprocess.Popen[str], str]:
    """`quizapp serve --port 0` (a free port the OS picks) with its own data folder: the process, and
    the URL from its one line on stdout. `new_session` puts it in a process group of its own, so a
    test can send Ctrl-C to the group as a terminal does."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "quizapp", "serve", "--port", "0", "--data-dir", str(data), *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        start_new_session=new_session,
    )
    line = first_line(proc, START_TIMEOUT_S)
    found = re.fullmatch(r"quizapp: serving on (http://\S+) \(Ctrl-C stops\)\n", line)
    if not found:
        proc.kill()
        _, err = proc.communicate(timeout=10)
        raise AssertionError(f"no URL line from quizapp serve: {line!r}; stderr: {err}")
    return proc, found.group(1)


def first_line(proc: subprocess.Popen[str], timeout: float) -> str:
    """The first line the process writes on stdout ('' if it ends or the time runs out first)."""
    assert proc.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(proc.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            return ""
    return proc.stdout.readline()


def stop(proc: subprocess.Popen[str], timeout: float = 30) -> tuple[int, str, str]:
    """Wait for the process to end: its exit code, stdout after the URL line, and stderr."""
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def children_of(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc where there is one, else from ps)."""
    proc = Path("/proc")
    if proc.is_dir():
        found = []
        for stat in proc.glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            if int(fields[1]) == pid:
                found.append(int(stat.parent.name))
        return found
    listing = subprocess.run(["ps", "-A", "-o", "pid=,ppid="], capture_output=True, text=True).stdout
    return [int(p) for p, parent in (row.split() for row in listing.splitlines()) if int(parent) == pid]


def wait_for_children(pid: int, count: int, timeout: float = START_TIMEOUT_S) -> list[int]:
    """Wait until `pid` has at least `count` child processes, and return them."""
    deadline = time.monotonic() + timeout
    while len(found := children_of(pid)) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"{pid} has children {found}, expected {count}")
        time.sleep(0.1)
    return found


def still_running(pids: list[int], timeout: float = 5) -> list[int]:
    """Those of `pids` that still exist (running, or a zombie nobody reaped) after up to `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        alive = []
        for pid in pids:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                continue
            alive.append(pid)
        if not alive or time.monotonic() > deadline:
            return alive
        time.sleep(0.1)
