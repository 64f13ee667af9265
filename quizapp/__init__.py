"""quizapp: scenario questions on ML architecture, each answer proven by a live simulation."""

__version__ = "0.1.0"
