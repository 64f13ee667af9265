"""Validation speed on a 10,000-question bank, against bare parsing of the same files.

Generates the bank (variants of the bundled question, one file each) in a temporary folder, then
times, in one run and alternating: bare `yaml.load(..., Loader=yaml.CSafeLoader)` of every file, and
quizapp's full validation (`load_bank`: parse, shape, cross-field and simulation-link rules).
Prints the medians and their ratio (the target is at most 1.3).

    python benchmarks/bank_10k.py [--questions 10000] [--repeat 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from quizapp.bank import load_bank  # noqa: E402
from quizapp.bank.loader import question_files  # noqa: E402

SOURCE = ROOT / "question_bank" / "sequence-models" / "why-self-attention.yaml"


def generate(folder: Path, count: int) -> Path:
    """A bank of ``count`` question files spread over 100 sub-folders."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "question_bank" / "bank.yaml", folder / "bank.yaml")
    template = SOURCE.read_text(encoding="utf-8")
    for i in range(count):
        sub = folder / f"part-{i % 100:03d}"
        sub.mkdir(exist_ok=True)
        text = template.replace("id: why-self-attention", f"id: q-{i:05d}").replace("difficulty: 2", f"difficulty: {1 + i % 5}")
        (sub / f"q-{i:05d}.yaml").write_text(text, encoding="utf-8")
    return folder


def bare_parse(files: list[Path]) -> None:
    for path in files:
        yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="write the bank here and keep it (for TUI start-up timing)")
    args = parser.parse_args()

    tmp = None if args.keep else tempfile.TemporaryDirectory()
    root = generate(args.keep or Path(tmp.name) / "bank", args.questions)
    files = question_files(root)
    bare, ours = [], []
    for _ in range(args.repeat):
        start = time.perf_counter()
        bare_parse(files)
        bare.append(time.perf_counter() - start)
        start = time.perf_counter()
        result = load_bank(root)
        ours.append(time.perf_counter() - start)
        assert not result.problems and len(result.bank.questions) == args.questions, result.problems[:3]
    b, o = statistics.median(bare), statistics.median(ours)
    print(f"questions             {args.questions}")
    print(f"bare CSafeLoader      {b:8.3f} s")
    print(f"quizapp validation    {o:8.3f} s")
    print(f"ratio                 {o / b:8.2f}  (target <= 1.3)")
    if tmp:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
