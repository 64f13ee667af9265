"""The bank: the YAML format, its validated models, and the loader that locates every problem.

Never imports Textual. The loader (with the YAML parser and the simulation links' rules) is
imported on first use of ``load_bank``, ``question_files`` or ``validate_paths``, so that opening a
bank from the start-up cache does not pay for it.
"""

from typing import Any

from .bank import Bank, LoadResult, QuestionList, Source
from .models import Domain, ExamSettings, Manifest, Option, Question, Requirement, SimLink, Trap
from .problems import Problem, summary

__all__ = [
    "Bank",
    "Domain",
    "ExamSettings",
    "LoadResult",
    "Manifest",
    "Option",
    "Problem",
    "Question",
    "QuestionList",
    "Requirement",
    "SimLink",
    "Source",
    "Trap",
    "load_bank",
    "question_files",
    "summary",
    "validate_paths",
]


def __getattr__(name: str) -> Any:
    """The loader's functions, imported when first asked for."""
    if name in ("load_bank", "question_files", "validate_paths"):
        from . import loader

        return getattr(loader, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
