"""Time from launching `quizapp` to its first screen, as a ratio against a bare Textual app.

Starts the real program in an 80x24 pseudo-terminal and stops the clock when the bank's title is
drawn; in the same run, alternating, it times the anchor (``_anchor_app.py``: a bare Textual app
with a header, a label and a footer) until its label is drawn. Prints both medians and their ratio
(goal: at most 2.0). The first quizapp start, which validates the bank and writes the start-up
cache, is reported on its own. With ``--bank DIR`` it measures another bank (e.g. the
10,000-question one from ``bank_10k.py --keep``).

    python benchmarks/startup.py [--bank DIR] [--repeat 7]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _pty import Terminal

ROOT = Path(__file__).resolve().parent.parent
ANCHOR = [sys.executable, str(Path(__file__).resolve().parent / "_anchor_app.py")]


def bank_title(bank: Path) -> str:
    for line in (bank / "bank.yaml").read_text(encoding="utf-8").splitlines():
        if line.startswith("title:"):
            return line.split(":", 1)[1].strip().strip("'\"")
    raise SystemExit(f"no title in {bank}/bank.yaml")


def time_to(command: list[str], marker: str) -> float:
    """Seconds from launch until ``marker`` is drawn."""
    terminal = Terminal(command)
    try:
        return terminal.wait_for(marker) - terminal.started
    finally:
        terminal.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bank", type=Path, default=ROOT / "question_bank")
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    exe = shutil.which("quizapp") or str(Path(sys.executable).parent / "quizapp")
    marker = bank_title(args.bank)[:30]
    data = Path(tempfile.mkdtemp())
    command = [exe, "--bank", str(args.bank), "--data-dir", str(data)]
    time_to(ANCHOR, "anchor ready")  # warm the file cache for both
    cold = time_to(command, marker)
    anchor, ours = [], []
    for _ in range(args.repeat):
        anchor.append(time_to(ANCHOR, "anchor ready"))
        ours.append(time_to(command, marker))
    shutil.rmtree(data, ignore_errors=True)
    a, o = statistics.median(anchor), statistics.median(ours)
    print(f"bank                        {args.bank}")
    print(f"quizapp first start (cold)  {cold:6.3f} s  (validates, writes the start-up cache)")
    print(f"anchor: bare Textual app    {a:6.3f} s  median of {args.repeat}")
    print(f"quizapp later starts        {o:6.3f} s  median of {args.repeat}")
    print(f"ratio                       {o / a:6.2f}  (goal <= 2.0)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
