"""Study logic without a UI: study sessions now, exams later. Never imports Textual."""

from .session import StudySession

__all__ = ["StudySession"]
