"""`quizapp stats`, `quizapp plan` and `quizapp study --due` (issue 14) from the outside: answers given
through the core API and through the TUI in a pseudo-terminal, then `stats --json` read back."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest

from quizapp.bank import load_bank
from quizapp.cli import build_parser
from quizapp.memory import Memory, due_forecast, study_order
from quizapp.predictions import Predictions
from quizapp.store import Store

from .conftest import BUNDLED, ROOT
from .test_exam_process import EXAM_BANK, Terminal, terminals  # noqa: F401  (the fixture)

_BANK = load_bank(BUNDLED).bank
assert _BANK is not None
N_QUESTIONS = len(_BANK.questions)
N_DOMAINS = len(_BANK.manifest.domains)


def quizapp(*args: str) -> subprocess.CompletedProcess[str]:
    """`python -m quizapp ARGS`, its output captured."""
    return subprocess.run(
        [sys.executable, "-m", "quizapp", *args], capture_output=True, text=True, cwd=ROOT, timeout=120
    )


def answer_some(data: Path, count: int = 12) -> list[str]:
    """Answer ``count`` questions of the bundled bank, in the due order, through the core API: right
    about two times in three, with a confidence now and then, one of them answered twice."""
    bank = load_bank(BUNDLED).bank
    assert bank is not None
    store = Store.in_dir(data)
    memory = Memory.for_bank(store, bank)
    rng = random.Random(4)
    order = study_order(bank, store, limit=count)
    for qid in [*order, order[0]]:
        q = bank.question(qid)
        wrong = next((o for o in q.option_ids if o not in q.answers), q.option_ids[0])
        chosen = sorted(q.answers) if rng.random() < 0.67 else [wrong]
        memory.record(q, chosen, rng.uniform(20, 240), confidence=rng.choice([None, 1, 2, 3]), scheduled=True)
    predictions = Predictions(store)
    predictions.grade(predictions.commit("rnn-gradient-decay", {}, True), True, {})
    store.close()
    return order


def test_stats_json_after_answers_through_the_core_api(tmp_path):
    data = tmp_path / "data"
    answered = answer_some(data)
    exam_day = (date.today() + timedelta(days=30)).isoformat()
    planned = quizapp("plan", "--exam-date", exam_day, "--prior", "0.4", "--data-dir", str(data))
    assert planned.returncode == 0, planned.stderr
    assert f"exam date {exam_day} (30 days away)" in planned.stdout

    done = quizapp("stats", "--json", "--data-dir", str(data))
    assert done.returncode == 0, done.stderr
    stats = json.loads(done.stdout)
    assert {"domains", "due", "misconceptions", "predictions", "questions", "pass_probability"} <= set(stats)
    assert (stats["exam_date"], stats["prior"]) == (exam_day, 0.4)
    assert len(stats["domains"]) == N_DOMAINS
    assert sum(d["answered"] for d in stats["domains"]) == len(answered) + 1
    for domain in stats["domains"]:
        assert {"id", "title", "answered", "accuracy", "readiness"} <= set(domain)
        assert 0.0 <= domain["readiness"] <= 1.0
        assert domain["accuracy"] is None or 0.0 <= domain["accuracy"] <= 1.0
    p = stats["pass_probability"]
    assert 0.0 <= p["low"] <= p["estimate"] <= p["high"] <= 1.0 and p["questions"] == 24
    assert stats["due"]["new"] == N_QUESTIONS - len(answered) and len(stats["due"]["days"]) == 7
    assert 0 < stats["due"]["today"] + sum(d["due"] for d in stats["due"]["days"]) <= len(answered)
    questions = {q["id"]: q for q in stats["questions"]}
    assert len(questions) == N_QUESTIONS
    for qid in answered:
        q = questions[qid]
        assert q["stability"] > 0 and 1 <= q["difficulty"] <= 10 and 0 < q["retrievability"] <= 1
        assert q["due"] is not None and 0 < q["retrievability_at_target"] <= 1
    unseen = next(q for q in stats["questions"] if q["answered"] == 0)
    assert (unseen["stability"], unseen["retrievability"], unseen["retrievability_at_target"]) == (
        None,
        None,
        0.4,
    )
    assert stats["predictions"]["made"] == 1 and stats["predictions"]["holds_accuracy"] == 1.0
    assert set(stats["misconceptions"]) == {"requirements", "distractors"}
    assert [c["confidence"] for c in stats["calibration"]] == [1, 2, 3]
    assert stats["answers"] == {"scheduled": len(answered) + 1, "practice": 0, "exam": 0}

    # another date, for this run only; the same history gives the same numbers
    later = quizapp(
        "stats",
        "--json",
        "--exam-date",
        (date.today() + timedelta(days=90)).isoformat(),
        "--data-dir",
        str(data),
    )
    far = json.loads(later.stdout)
    assert far["readiness"] < stats["readiness"]
    assert json.loads(quizapp("stats", "--json", "--data-dir", str(data)).stdout)["pass_probability"] == p

    text = quizapp("stats", "--data-dir", str(data))
    assert text.returncode == 0
    assert "readiness" in text.stdout and "pass probability" in text.stdout and "due today" in text.stdout
    assert "Attention mechanics" in text.stdout and "predictions: 1 made" in text.stdout


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2001-01-01", "is in the past"),
        ("2027-02-30", "not a date on the calendar"),
        ("1/12/2027", "takes a date as YYYY-MM-DD"),
        ("tomorrow", "takes a date as YYYY-MM-DD"),
    ],
)
def test_plan_and_stats_refuse_a_bad_exam_date_plainly(tmp_path, value, message):
    for command in ("plan", "stats"):
        done = quizapp(command, "--exam-date", value, "--data-dir", str(tmp_path))
        assert done.returncode == 2
        assert message in done.stderr and "Traceback" not in done.stderr


def test_plan_without_options_says_what_is_stored_and_refuses_a_prior_outside_0_1(tmp_path):
    shown = quizapp("plan", "--data-dir", str(tmp_path))
    assert shown.returncode == 0 and "no exam date yet" in shown.stdout and "0.50" in shown.stdout
    bad = quizapp("plan", "--prior", "1.5", "--data-dir", str(tmp_path))
    assert bad.returncode == 2 and "--prior is a probability" in bad.stderr
    today = quizapp("plan", "--exam-date", date.today().isoformat(), "--data-dir", str(tmp_path))
    assert today.returncode == 0 and "(0 days away)" in today.stdout


def test_study_due_reaches_the_app_as_an_argument(tmp_path):
    args = build_parser().parse_args(["study", "--due", "--domain", "attention"])
    assert (args.command, args.due, args.domain) == ("study", True, "attention")
    assert build_parser().parse_args(["study"]).due is False
    from quizapp.ui import make_app

    assert make_app(EXAM_BANK, tmp_path, start="study", due=True).due_first is True
    assert make_app(EXAM_BANK, tmp_path).due_first is False


def test_home_counts_come_from_the_forecast(tmp_path):
    answered = answer_some(tmp_path)
    bank = load_bank(BUNDLED).bank
    assert bank is not None
    counts = due_forecast(bank, Store.in_dir(tmp_path))
    assert counts.new == N_QUESTIONS - len(answered) and 0 < counts.today + counts.week <= len(answered)
    assert counts.today == 0  # everything answered today comes back tomorrow at the earliest


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pseudo-terminal")
def test_answers_given_in_the_tui_show_in_stats_json(tmp_path, terminals):  # noqa: F811
    data = tmp_path / "data"
    where = ["--bank", str(EXAM_BANK), "--data-dir", str(data)]
    study = Terminal(["study", "--due", "--domain", "serving", *where])
    terminals.append(study)
    for number in (1, 2):
        study.wait_for(rf"{number} / \d")
        study.send("a")
        study.send("\r")
        study.wait_for(r"Correct|Incorrect")
        if number == 1:
            study.send("n")
    study.send("\x1b")  # back home: both answers are already on disk
    study.wait_for(r"Study")
    study.send("q")
    assert study.wait_exit() == 0

    done = quizapp("stats", "--json", *where)
    assert done.returncode == 0, done.stderr
    stats = json.loads(done.stdout)
    serving = next(d for d in stats["domains"] if d["id"] == "serving")
    assert serving["answered"] == 2 and 0.0 <= serving["readiness"] <= 1.0
    reviewed = [q for q in stats["questions"] if q["answered"]]
    assert len(reviewed) == 2 and all(q["stability"] > 0 and q["due"] for q in reviewed)
    assert stats["due"]["new"] == len(stats["questions"]) - 2


def test_the_month_of_study_script_runs_and_readiness_grows():
    done = subprocess.run(
        [sys.executable, "benchmarks/learner_month.py", "--days", "6", "--per-day", "8", "--draws", "300"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    rows = [
        r for r in (line.split() for line in done.stdout.splitlines()) if r[0].isdigit() and r[1].isdigit()
    ]
    assert [int(r[0]) for r in rows] == [1, 2, 3, 4, 5, 6]
    readiness = [float(r[5]) for r in rows]
    assert all(0 <= r <= 1 for r in readiness) and readiness[-1] > readiness[0]


def test_start_up_imports_no_scheduler(tmp_path):
    """FSRS loads when memory is first used (or an exam is submitted), not at start-up: importing it
    costs about 8 ms, and start-up is held to twice a bare Textual app's."""
    script = (
        "import sys\nfrom pathlib import Path\nfrom quizapp.ui import make_app\n"
        f"make_app(Path({str(EXAM_BANK)!r}), Path({str(tmp_path)!r}))\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] == 'fsrs'))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
