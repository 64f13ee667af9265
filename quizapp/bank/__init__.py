"""The bank: the YAML format, its validated models, and the loader that locates every problem.

Never imports Textual.
"""

from .bank import Bank, LoadResult, QuestionList, Source
from .loader import load_bank, question_files, validate_paths
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
    "QuestionList",
    "Question",
    "Requirement",
    "SimLink",
    "Source",
    "Trap",
    "load_bank",
    "question_files",
    "summary",
    "validate_paths",
]
