"""Keypress to feedback in study mode, as a ratio against a bare Textual app updating a label.

Runs `quizapp study` in an 80x24 pseudo-terminal on a copy of the bundled bank's single-answer
questions. For each question it chooses option a, waits until the screen is quiet, then presses
Enter and stops the clock when the verdict banner (its legend, "your wrong pick") is drawn; then
n for the next question. In the same run it times the anchor (``_anchor_app.py``): Enter until the
updated label is drawn. Prints both medians and their ratio, and quizapp's median in ms (goal:
at most 50 ms).

    python benchmarks/keypress.py [--repeat 15]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _pty import Terminal

ROOT = Path(__file__).resolve().parent.parent
ANCHOR = [sys.executable, str(Path(__file__).resolve().parent / "_anchor_app.py")]
VERDICT = "your wrong pick"  # the banner's legend, drawn with either verdict


def single_answer_bank(folder: Path) -> int:
    """The bundled bank with only its single-answer questions (one Enter always submits)."""
    bundled = ROOT / "question_bank"
    shutil.copy(bundled / "bank.yaml", folder / "bank.yaml")
    count = 0
    for path in sorted(bundled.glob("*/*.yaml")):
        if isinstance(yaml.safe_load(path.read_text(encoding="utf-8")).get("answer"), str):
            (folder / path.parent.name).mkdir(exist_ok=True)
            shutil.copy(path, folder / path.parent.name / path.name)
            count += 1
    return count


def time_anchor(repeat: int) -> list[float]:
    terminal = Terminal(ANCHOR)
    times = []
    try:
        terminal.wait_for("anchor ready")
        for n in range(1, repeat + 1):
            terminal.settle()
            terminal.mark()
            start = terminal.press(b"\r")
            times.append(terminal.wait_for(f"anchor pressed {n}") - start)
    finally:
        terminal.close()
    return times


def time_quizapp(bank: Path, data: Path, repeat: int, total: int) -> list[float]:
    exe = shutil.which("quizapp") or str(Path(sys.executable).parent / "quizapp")
    terminal = Terminal([exe, "study", "--bank", str(bank), "--data-dir", str(data)])
    times = []
    try:
        terminal.wait_for(f"1 / {total}")
        for n in range(1, repeat + 1):
            terminal.press(b"a")
            terminal.settle()
            terminal.mark()
            start = terminal.press(b"\r")
            times.append(terminal.wait_for(VERDICT) - start)
            terminal.settle()
            terminal.mark()
            terminal.press(b"n")
            terminal.wait_for(f"{n + 1} / {total}")
    finally:
        terminal.close()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--each", action="store_true", help="also print every press, in ms")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bank, data = Path(tmp) / "bank", Path(tmp) / "data"
        bank.mkdir()
        total = single_answer_bank(bank)
        repeat = min(args.repeat, total - 1)
        anchor = time_anchor(repeat)
        ours = time_quizapp(bank, data, repeat, total)
    a, o = statistics.median(anchor), statistics.median(ours)
    print(f"presses                          {repeat}")
    print(f"anchor: bare Textual label       {a * 1000:7.1f} ms median")
    print(
        f"quizapp: Enter to verdict        {o * 1000:7.1f} ms median (goal <= 50 ms), max {max(ours) * 1000:.1f}"
    )
    print(f"ratio                            {o / a:7.1f}")
    if args.each:
        print("each (ms)                       ", " ".join(f"{t * 1000:.0f}" for t in ours))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
