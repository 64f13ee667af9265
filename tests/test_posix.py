"""quizapp is POSIX-only: it says so in its metadata, and plainly on Windows instead of failing deep inside."""

from __future__ import annotations

import sys
import tomllib

from quizapp.cli import POSIX_ONLY, main

from .conftest import ROOT


def test_the_package_declares_posix_only() -> None:
    classifiers = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"][
        "classifiers"
    ]
    systems = [c for c in classifiers if c.startswith("Operating System ::")]
    assert "Operating System :: POSIX" in systems
    assert not [c for c in systems if "Windows" in c or "OS Independent" in c]


def test_on_windows_the_command_line_says_it_needs_posix_and_exits_1(monkeypatch, capsys) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    assert main(["validate"]) == 1
    err = capsys.readouterr().err
    assert err == f"quizapp: {POSIX_ONLY}\n"
    assert "WSL" in err and "Traceback" not in err


def test_without_termios_the_terminal_counts_as_alive(monkeypatch) -> None:
    from quizapp.ui.app import _terminal_alive

    monkeypatch.setitem(sys.modules, "termios", None)  # `import termios` raises ImportError, as on Windows
    assert _terminal_alive() is True
