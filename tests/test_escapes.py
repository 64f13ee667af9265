"""A shared bank is untrusted input: terminal escapes (OSC, CSI, BEL) in any text are refused by
validate with their place, reported as visible escapes, and never reach the terminal from the app."""

from __future__ import annotations

import json

import pytest

from quizapp.cli import main
from quizapp.ui import make_app

from .conftest import GOOD_QUESTION, MANIFEST
from .test_ui import screen_text

OSC = "\x1b]0;PWNED\x1b\\"
CSI = "\x1b[2J"
BEL = "\x07"


@pytest.mark.parametrize("escape", [OSC, CSI, BEL], ids=["osc", "csi", "bel"])
@pytest.mark.parametrize(
    ("where", "old", "line"),
    [
        ("manifest", "title: Test bank", 1),
        ("domain", "    title: Sequence models", 4),
        ("question", "scenario: A scenario.", 4),
        ("question", "  - text: First", 10),
    ],
)
def test_validate_refuses_escapes_in_text_with_their_place(make_bank, capsys, escape, where, old, line):
    new = old.replace(old.split(": ", 1)[1], f'"Evil {escape.encode("unicode_escape").decode()} text"')
    manifest = MANIFEST.replace(old, new) if where != "question" else MANIFEST
    question = GOOD_QUESTION.replace(old, new) if where == "question" else GOOD_QUESTION
    root = make_bank({"q.yaml": question}, manifest=manifest)
    assert main(["validate", str(root)]) == 1
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out  # the report shows escapes, it does not send them
    [hit] = [ln for ln in out.splitlines() if "control character" in ln]
    assert f":{line}:" in hit and "U+00" in hit
    assert main(["validate", "--format", "json", str(root)]) == 1
    problems = json.loads(capsys.readouterr().out)
    assert any(p["rule"] == "control-character" and p["line"] == line for p in problems)


async def test_the_app_never_draws_an_escape_from_a_hostile_bank(make_bank, tmp_path):
    hostile = GOOD_QUESTION.replace(
        "scenario: A scenario.", f'scenario: "Evil {OSC.encode("unicode_escape").decode()}"'
    )
    root = make_bank(
        {"q.yaml": hostile, "ok.yaml": GOOD_QUESTION.replace("id: good-one", "id: good-two")},
        manifest=MANIFEST,
    )
    app = make_app(root, tmp_path / "data")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.bank is not None and len(app.bank.skipped) == 1  # the hostile file is skipped
        await pilot.press("p")
        await pilot.pause()
        text = screen_text(app)
        assert "control character U+001B" in text and "\x1b" not in text
    bad_title = MANIFEST.replace(
        "title: Test bank", f'title: "Bank {OSC.encode("unicode_escape").decode()} end"'
    )
    root = make_bank({"q.yaml": GOOD_QUESTION}, manifest=bad_title)
    app = make_app(root, tmp_path / "data2")
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.bank is None and "\x1b" not in screen_text(app) and "\x1b" not in app.bank_title
