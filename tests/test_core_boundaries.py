"""The core never imports Textual: proven in a fresh interpreter by looking at sys.modules."""

from __future__ import annotations

import subprocess
import sys

from .conftest import ROOT

CORE = [
    "quizapp.bank", "quizapp.study", "quizapp.store", "quizapp.exam_store", "quizapp.exams", "quizapp.history",
    "quizapp.text", "quizapp.locations", "quizapp.cli", "sims",
]


def test_core_does_not_import_textual():
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in CORE)
        + "bad = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        + "print(bad)\nsys.exit(1 if bad else 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


def test_sims_does_not_import_quizapp():
    code = "import sys, sims; sys.exit(1 if any(m.startswith('quizapp') for m in sys.modules) else 0)"
    assert subprocess.run([sys.executable, "-c", code], cwd=ROOT).returncode == 0
