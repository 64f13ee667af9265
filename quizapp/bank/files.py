"""Finding a bank's files: bank.yaml and the question files beneath it.

Kept apart from the loader so that the start-up cache can stamp the files without importing the
YAML parser or the models.
"""

from __future__ import annotations

import os
from pathlib import Path

MANIFEST = "bank.yaml"
SUFFIXES = (".yaml", ".yml")


def question_files(folder: Path) -> list[Path]:
    """Every question file under ``folder`` (any depth, sorted), bank.yaml and hidden folders excluded."""
    return [path for path, _ in stamped_files(folder)]


def stamped_files(folder: Path) -> list[tuple[Path, os.stat_result]]:
    """Question files under ``folder`` with their stat results, sorted by path (one directory scan)."""
    found: list[tuple[Path, os.stat_result]] = []
    pending = [str(folder)]
    while pending:
        with os.scandir(pending.pop()) as entries:
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if entry.is_dir():
                    pending.append(entry.path)
                elif entry.name.endswith(SUFFIXES) and entry.is_file():
                    if entry.name == MANIFEST and os.path.dirname(entry.path) == str(folder):
                        continue
                    found.append((Path(entry.path), entry.stat()))
    found.sort(key=lambda item: item[0])
    return found
