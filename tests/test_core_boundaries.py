"""The core never imports Textual: proven in a fresh interpreter by looking at sys.modules."""

from __future__ import annotations

import ast
import subprocess
import sys

import pytest

from .conftest import ROOT

CORE = [
    "quizapp.bank",
    "quizapp.study",
    "quizapp.store",
    "quizapp.exam_store",
    "quizapp.exams",
    "quizapp.history",
    "quizapp.text",
    "quizapp.anki",
    "quizapp.locations",
    "quizapp.cli",
    "quizapp.memory",
    "quizapp.readiness",
    "quizapp.stats",
    "quizapp.misconceptions",
    "quizapp.predictions",
    "sims",
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


UI_MODULES = sorted((ROOT / "quizapp" / "ui").rglob("*.py"))


@pytest.mark.parametrize("path", UI_MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_ui_does_not_import_sqlite3(path):
    """The store wraps every SQLite failure in StoreError, so no screen needs to know SQLite."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    imported = [alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names]
    imported += [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
    assert not [name for name in imported if name.split(".")[0] == "sqlite3"], path
