"""Validation speed on a 10,000-question bank, against bare parsing of the same files.

Generates the bank (variants of the bundled question, one file each) in a temporary folder, then
times, in one run and alternating, two pairs:

- whole processes, as a user meets them: `quizapp validate DIR` against a bare Python process that
  only imports PyYAML and runs `yaml.load(..., Loader=yaml.CSafeLoader)` on every file (start-up
  and imports included on both sides);
- in this process: quizapp's full validation (`load_bank`: parse, shape, cross-field and
  simulation-link rules) against the bare parse.

Prints the medians and both ratios (the target is at most 1.3 for each).

    python benchmarks/bank_10k.py [--questions 10000] [--repeat 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from quizapp.bank import load_bank  # noqa: E402
from quizapp.bank.loader import question_files  # noqa: E402

sys.path.append(str(ROOT / "benchmarks"))  # appended: benchmarks/sims.py must not hide the sims package
from _pty import program_env  # noqa: E402  (bytecode cached, as for an installed program)

SOURCE = ROOT / "question_bank" / "sequence-models" / "why-self-attention.yaml"


def generate(folder: Path, count: int) -> Path:
    """A bank of ``count`` question files spread over 100 sub-folders."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(ROOT / "question_bank" / "bank.yaml", folder / "bank.yaml")
    template = SOURCE.read_text(encoding="utf-8")
    for i in range(count):
        sub = folder / f"part-{i % 100:03d}"
        sub.mkdir(exist_ok=True)
        text = template.replace("id: why-self-attention", f"id: q-{i:05d}").replace(
            "difficulty: 2", f"difficulty: {1 + i % 5}"
        )
        (sub / f"q-{i:05d}.yaml").write_text(text, encoding="utf-8")
    return folder


def bare_parse(files: list[Path]) -> None:
    for path in files:
        yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)


BARE_PROCESS = """
import os, sys, yaml
for folder, dirs, names in os.walk(sys.argv[1]):
    dirs[:] = [d for d in dirs if not d.startswith(".")]
    for name in names:
        if name.endswith((".yaml", ".yml")) and name != "bank.yaml":
            with open(os.path.join(folder, name), encoding="utf-8") as f:
                yaml.load(f.read(), Loader=yaml.CSafeLoader)
"""


def timed(command: list[str]) -> float:
    """Wall-clock seconds of a whole process (which must succeed)."""
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, env=program_env())
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="write the bank here and keep it (for TUI start-up timing)")
    args = parser.parse_args()

    tmp = None if args.keep else tempfile.TemporaryDirectory()
    root = generate(args.keep or Path(tmp.name) / "bank", args.questions)
    files = question_files(root)
    exe = shutil.which("quizapp") or str(Path(sys.executable).parent / "quizapp")
    bare_proc, ours_proc = [], []
    timed([exe, "validate", str(ROOT / "question_bank")])  # caches quizapp's bytecode, as installing does
    for _ in range(args.repeat):
        bare_proc.append(timed([sys.executable, "-c", BARE_PROCESS, str(root)]))
        ours_proc.append(timed([exe, "validate", str(root)]))
    bare, ours = [], []
    for _ in range(args.repeat):
        start = time.perf_counter()
        bare_parse(files)
        bare.append(time.perf_counter() - start)
        start = time.perf_counter()
        result = load_bank(root)
        ours.append(time.perf_counter() - start)
        assert not result.problems and len(result.bank.questions) == args.questions, result.problems[:3]
    bp, op = statistics.median(bare_proc), statistics.median(ours_proc)
    b, o = statistics.median(bare), statistics.median(ours)
    print(f"questions                              {args.questions}")
    print(f"whole process: bare CSafeLoader        {bp:8.3f} s")
    print(f"whole process: quizapp validate        {op:8.3f} s")
    print(f"whole process: ratio                   {op / bp:8.2f}  (target <= 1.3)")
    print(f"in process:    bare CSafeLoader        {b:8.3f} s")
    print(f"in process:    quizapp validation      {o:8.3f} s")
    print(f"in process:    ratio                   {o / b:8.2f}  (target <= 1.3)")
    if tmp:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
