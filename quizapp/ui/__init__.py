"""Everything Textual: the app factory, screens, widgets and dialogs."""

from .app import QuizApp, make_app

__all__ = ["QuizApp", "make_app"]
