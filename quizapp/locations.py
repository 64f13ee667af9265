"""Where quizapp's data lives: the bundled bank, and the learner's data directory."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

DATA_ENV = "QUIZAPP_DATA_DIR"


def bundled_bank() -> Path:
    """The bank shipped with quizapp (beside the package, in a checkout and in an installed wheel)."""
    return Path(__file__).resolve().parent.parent / "question_bank"


def data_dir(override: str | Path | None = None) -> Path:
    """The data directory: ``--data-dir``, else $QUIZAPP_DATA_DIR, else the platform's user data dir."""
    if override:
        return Path(override).expanduser()
    env = os.environ.get(DATA_ENV)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("quizapp", appauthor=False))
