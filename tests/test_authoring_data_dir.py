"""A --data-dir (or $QUIZAPP_DATA_DIR) that cannot hold data is a plain usage error, exit 2."""

from __future__ import annotations

from quizapp.cli import main

from .conftest import BUNDLED


def test_data_dir_that_is_a_file_is_a_plain_usage_error(tmp_path, capsys):
    a_file = tmp_path / "passwd"
    a_file.write_text("x")
    assert main(["--data-dir", str(a_file), "history"]) == 2
    err = capsys.readouterr().err
    assert err == f"quizapp: --data-dir {a_file} is a file, not a folder\n"
    assert main(["--data-dir", str(a_file / "sub"), "history"]) == 2
    err = capsys.readouterr().err
    assert f"{a_file} is a file, not a folder" in err and "Errno" not in err


def test_data_dir_from_the_environment_is_named_as_such(tmp_path, monkeypatch, capsys):
    a_file = tmp_path / "passwd"
    a_file.write_text("x")
    monkeypatch.setenv("QUIZAPP_DATA_DIR", str(a_file))
    assert main(["history"]) == 2
    assert capsys.readouterr().err == f"quizapp: $QUIZAPP_DATA_DIR {a_file} is a file, not a folder\n"


def test_unwritable_data_dir_is_a_plain_usage_error(tmp_path, monkeypatch, capsys):
    import os

    monkeypatch.setattr(os, "access", lambda *_args, **_kw: False)  # as a user without write access
    assert main(["--data-dir", str(tmp_path), "history"]) == 2
    err = capsys.readouterr().err
    assert "may not write to" in err and "Errno" not in err


def test_commands_that_keep_no_data_ignore_the_data_dir(tmp_path, capsys):
    a_file = tmp_path / "passwd"
    a_file.write_text("x")
    assert main(["--data-dir", str(a_file), "validate", str(BUNDLED)]) == 0
