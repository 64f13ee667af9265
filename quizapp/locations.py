"""Where quizapp's data lives: the bundled bank, and the learner's data directory."""

from __future__ import annotations

import errno
import os
from pathlib import Path

DATA_ENV = "QUIZAPP_DATA_DIR"


class DataDirError(Exception):
    """The data directory cannot be used (a file is in the way, or it cannot be created or written);
    the message names the option or variable that chose it, and says why in plain words."""


def bundled_bank() -> Path:
    """The bank shipped with quizapp (beside the package, in a checkout and in an installed wheel)."""
    return Path(__file__).resolve().parent.parent / "question_bank"


def data_dir(override: str | Path | None = None) -> Path:
    """The data directory, created if missing: ``--data-dir``, else $QUIZAPP_DATA_DIR, else the
    platform's user data dir. Raises :class:`DataDirError` when it cannot hold quizapp's files."""
    env = os.environ.get(DATA_ENV)
    if override:
        path, named = Path(override).expanduser(), f"--data-dir {override}"
    elif env:
        path, named = Path(env).expanduser(), f"${DATA_ENV} {env}"
    else:
        import platformdirs  # imported here: it takes longer to import than most commands take to run

        path = Path(platformdirs.user_data_dir("quizapp", appauthor=False))
        named = f"the data folder {path}"
    _make_usable(path, named)
    return path


def _make_usable(path: Path, named: str) -> None:
    """Create ``path`` if needed and check that quizapp can write there, or say why not."""
    if path.exists() and not path.is_dir():
        raise DataDirError(f"{named} is a file, not a folder")
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        blocker = next((p for p in path.parents if p.exists() and not p.is_dir()), None)
        if blocker is not None or exc.errno in (errno.EEXIST, errno.ENOTDIR):
            raise DataDirError(
                f"{named} cannot be created: {blocker or 'a part of it'} is a file, not a folder"
            ) from None
        raise DataDirError(f"{named} cannot be created: {_plain(exc)}") from None
    if not os.access(path, os.W_OK | os.X_OK):
        raise DataDirError(f"{named} is a folder quizapp may not write to (permission denied)")


def _plain(exc: OSError) -> str:
    """An OS error in words, without the [Errno N] prefix: 'permission denied'."""
    words = exc.strerror or str(exc)
    return words[:1].lower() + words[1:]
