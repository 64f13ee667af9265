"""`quizapp lint` shows a progress line on a terminal, and nothing when stderr is piped."""

from __future__ import annotations

import io

from quizapp.cli import main

from .conftest import GOOD_QUESTION


class Terminal(io.StringIO):
    """A stderr that says it is a terminal."""

    def isatty(self) -> bool:
        return True


def test_lint_shows_progress_on_a_terminal_and_nothing_when_piped(make_bank, monkeypatch, capsys):
    import quizapp.progress

    monkeypatch.setattr(quizapp.progress, "DELAY_S", 0.0)  # as if each stage took more than a moment
    root = make_bank({"q.yaml": GOOD_QUESTION})
    assert main(["lint", str(root)]) == 0
    assert capsys.readouterr().err == ""  # piped: silent
    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    assert main(["lint", str(root)]) == 0
    shown = terminal.getvalue()
    for stage in ("checking files 1/1", "simulations 1/1 rnn-gradient-decay", "item-writing checks"):
        assert stage in shown
    assert shown.endswith("\r\x1b[2K")  # the line is cleared before the report
    assert "0 errors, 0 warnings" in capsys.readouterr().out
