"""Time from launching `quizapp` to its first screen, measured the way a person sees it.

Starts the real program in a pseudo-terminal (80x24), reads what it draws, and stops the clock
when the bank's title is on screen; then presses `q`. Repeats and prints the median. With
`--bank DIR` it measures another bank (e.g. the 10,000-question one from bank_10k.py --keep),
cold (no start-up cache) and warm (cache from the previous run).

    python benchmarks/startup.py [--bank DIR] [--repeat 5]
"""

from __future__ import annotations

import argparse
import os
import pty
import re
import select
import shutil
import signal
import statistics
import struct
import sys
import tempfile
import termios
import fcntl
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ANSI = re.compile(rb"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")


def bank_title(bank: Path) -> str:
    for line in (bank / "bank.yaml").read_text(encoding="utf-8").splitlines():
        if line.startswith("title:"):
            return line.split(":", 1)[1].strip().strip("'\"")
    raise SystemExit(f"no title in {bank}/bank.yaml")


def time_to_title(command: list[str], marker: str, env: dict[str, str], timeout: float = 30.0) -> float:
    """Seconds until ``marker`` appears in what the program draws."""
    pid, fd = pty.fork()
    if pid == 0:  # the child: become the program
        os.execvpe(command[0], command, env)
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    start = time.perf_counter()
    seen = b""
    needle = marker[:30].encode()
    try:
        while time.perf_counter() - start < timeout:
            ready, _, _ = select.select([fd], [], [], 0.05)
            if ready:
                try:
                    seen += os.read(fd, 65536)
                except OSError:
                    break
                if needle in ANSI.sub(b"", seen):
                    return time.perf_counter() - start
        raise SystemExit(f"the title never appeared within {timeout} s")
    finally:
        try:
            os.write(fd, b"q")
            time.sleep(0.2)
            os.kill(pid, signal.SIGTERM)
        except OSError:
            pass
        os.waitpid(pid, 0)
        os.close(fd)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bank", type=Path, default=ROOT / "question_bank")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    exe = shutil.which("quizapp") or str(Path(sys.executable).parent / "quizapp")
    marker = bank_title(args.bank)
    data = Path(tempfile.mkdtemp())
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "80", "LINES": "24"}
    command = [exe, "--bank", str(args.bank), "--data-dir", str(data)]
    cold = time_to_title(command, marker, env)
    warm = [time_to_title(command, marker, env) for _ in range(args.repeat)]
    shutil.rmtree(data, ignore_errors=True)
    print(f"bank                {args.bank}")
    print(f"first start (cold)  {cold:6.3f} s")
    print(f"later starts        {statistics.median(warm):6.3f} s median of {args.repeat}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
