"""The command line as a user runs it: exit codes, located errors, no tracebacks, clean JSON."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from quizapp.cli import main

from .conftest import BUNDLED, GOOD_QUESTION, ROOT

FOUR = ["rnn-gradient-decay", "path-length-reachability", "cnn-receptive-field", "fc-flat-sequence"]


def run_cli(*args: str, cwd=ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "quizapp", *args], capture_output=True, text=True, cwd=cwd, timeout=60
    )


def test_validate_bundled_bank_exits_0(capsys):
    assert main(["validate", str(BUNDLED)]) == 0
    assert "no problems found" in capsys.readouterr().out


@pytest.mark.parametrize(
    "change, rule_text",
    [
        (("answer: B", "anwser: B"), "unknown key 'anwser' (did you mean 'answer'?)"),
        (("answer: B\n", ""), "missing required field 'answer'"),
        (("title: A good question", "title: [oops"), "YAML syntax error"),
    ],
)
def test_validate_reports_located_errors_without_traceback(make_bank, change, rule_text):
    root = make_bank({"q.yaml": GOOD_QUESTION.replace(*change)})
    done = run_cli("validate", str(root))
    assert done.returncode == 1
    assert "Traceback" not in done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if rule_text in line]
    assert lines, done.stdout
    path, line, col, _ = lines[0].split(":", 3)
    assert path.endswith("q.yaml") and int(line) >= 1 and int(col) >= 1


def test_validate_json_format(make_bank, capsys):
    root = make_bank({"q.yaml": GOOD_QUESTION.replace("answer: B", "answer: Z")})
    assert main(["validate", "--format", "json", str(root)]) == 1
    [problem] = json.loads(capsys.readouterr().out)
    assert problem["rule"] == "unknown-answer" and problem["line"] == 16


def test_usage_errors_exit_2():
    assert run_cli("validate", "--format", "xml").returncode == 2
    done = run_cli("sim", "run", "no-such-sim")
    assert done.returncode == 2 and "unknown simulation" in done.stderr and "Traceback" not in done.stderr
    done = run_cli("sim", "run", "rnn-gradient-decay", "--set", "sigma=-5")
    assert done.returncode == 2 and "sigma" in done.stderr and "Traceback" not in done.stderr


def test_global_options_before_or_after_subcommand(tmp_path, capsys):
    assert main(["--bank", str(BUNDLED), "validate"]) == 0
    assert main(["validate", "--bank", str(BUNDLED)]) == 0
    assert main(["--data-dir", str(tmp_path), "sim", "list"]) == 0
    assert main(["sim", "list", "--data-dir", str(tmp_path)]) == 0


def test_sim_list_names_every_simulation(capsys):
    assert main(["sim", "list"]) == 0
    out = capsys.readouterr().out
    for sim_id in FOUR:
        assert sim_id in out


@pytest.mark.parametrize("sim_id", FOUR)
def test_sim_run_json_holds_at_defaults_and_not_at_counter(sim_id, capsys):
    import sims

    assert main(["sim", "run", sim_id, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert {"id", "claim", "params", "backend", "holds", "summary", "measured", "seconds"} <= set(result)
    assert result["holds"] is True and result["id"] == sim_id and result["backend"] == "numpy"

    assert main(["sim", "run", sim_id, "--counter", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["holds"] is False

    counter = sims.get(sim_id).counter
    sets = [arg for k, v in counter.items() for arg in ("--set", f"{k}={json.dumps(v)}")]
    assert main(["sim", "run", sim_id, *sets, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["holds"] is False


def test_sim_run_text_output(capsys):
    assert main(["sim", "run", "cnn-receptive-field"]) == 0
    out = capsys.readouterr().out
    assert "claim holds" in out and "backend numpy" in out


def test_cupy_backend_missing_is_one_line(monkeypatch):
    import sims.backend

    monkeypatch.setattr(sims.backend, "_cupy", lambda: None)
    assert main(["sim", "run", "cnn-receptive-field", "--backend", "cupy"]) == 2


def test_missing_bank_folder_is_a_usage_error(tmp_path):
    done = run_cli("--bank", str(tmp_path / "nope"), "validate")
    assert done.returncode == 2 and "no bank folder" in done.stderr
