"""The command line says what it means: `sim show`, `--set` errors in plain words with did-you-mean,
no NaN, rounded text output, `domains`, and a bad --domain/--tag refused with the nearest names."""

from __future__ import annotations

import json

import pytest

from quizapp.cli import main

from .conftest import BUNDLED


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_sim_show_lists_every_parameter_with_type_range_default_and_help(capsys) -> None:
    code, out, _ = run(capsys, "sim", "show", "cnn-receptive-field")
    assert code == 0
    assert "layers  integer, [1, 24], default 8" in out and "L: convolutions stacked." in out
    assert "counter: stride=2" in out
    code, out, _ = run(capsys, "sim", "show", "kv-cache-sizing", "--json")
    shown = json.loads(out)
    model = next(p for p in shown["parameters"] if p["name"] == "model")
    assert model["type"].startswith("one of llama-2-70b") and model["default"] == "llama-2-70b"
    assert shown["counter"] and shown["claim"].endswith(".")


@pytest.mark.parametrize(
    ("pairs", "says"),
    [
        (["layrs=3"], "no parameter 'layrs' (did you mean 'layers'?); the parameters are: layers, kernel"),
        (["kernel=nan"], "'kernel' must be a finite number, not nan"),
        (["kernel=inf"], "'kernel' must be a finite number, not inf"),
        (["layers=99"], "'layers' must be at most 24, got 99"),
        (["layers=2.5"], "'layers' must be a whole number, got 2.5"),
        (["layers"], "--set takes NAME=VALUE"),
    ],
)
def test_set_errors_are_plain_and_exit_2(capsys, pairs, says) -> None:
    code, _, err = run(capsys, "sim", "run", "cnn-receptive-field", *(a for p in pairs for a in ("--set", p)))
    assert code == 2
    assert says in err and "Input should" not in err and "Value error" not in err


def test_a_preset_conflict_reads_as_a_sentence(capsys) -> None:
    code, _, err = run(capsys, "sim", "run", "kv-cache-sizing", "--set", "layers=40")
    assert code == 2
    assert "layers is 80 in the preset 'llama-2-70b'; set model=custom" in err and "Value error" not in err


def test_text_output_rounds_floats_and_says_yes_or_no(capsys) -> None:
    code, out, _ = run(capsys, "sim", "run", "rnn-gradient-decay")
    assert code == 0
    for line in out.splitlines():
        if ": " in line and line.startswith("  ") and not line.startswith(("  claim", "  summary")):
            value = line.split(": ", 1)[1]
            assert "True" not in value and "False" not in value
            assert not any(
                len(tok.split(".")[-1]) > 6 for tok in value.split() if tok.replace(".", "").isdigit()
            )


def test_domains_lists_the_ids_that_domain_takes(capsys) -> None:
    code, out, _ = run(capsys, "--bank", str(BUNDLED), "domains")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == ["id", "questions", "weight", "title"]
    assert any(line.startswith("attention-mechanics ") for line in lines)


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["study", "--domain", "attention-mechanic"], "did you mean 'attention-mechanics'?"),
        (["exam", "--domain", "nowhere"], "--domain 'nowhere' is not in this bank"),
        (["study", "--tag", "kv-cach"], "did you mean 'kv-cache'?"),
    ],
)
def test_a_bad_filter_is_a_usage_error_not_a_silent_filter(capsys, tmp_path, argv, says) -> None:
    code, _, err = run(capsys, "--bank", str(BUNDLED), "--data-dir", str(tmp_path), *argv)
    assert code == 2 and says in err


def test_an_unknown_requirement_id_gets_did_you_mean(make_bank, capsys) -> None:
    from .conftest import GOOD_QUESTION

    root = make_bank({"q.yaml": GOOD_QUESTION.replace("violates: [parallel]", "violates: [paralel]")})
    code, out, _ = run(capsys, "validate", str(root))
    assert code == 1 and "'paralel' names no requirement (did you mean 'parallel'?)" in out


def test_validate_outside_a_bank_says_what_it_could_not_check(tmp_path, capsys) -> None:
    from .conftest import GOOD_QUESTION

    lone = tmp_path / "lone.yaml"
    lone.write_text(GOOD_QUESTION.replace("domain: sequence-models", "domain: bogus-domain"))
    code, out, _ = run(capsys, "validate", str(lone))
    assert code == 0 and "no problems found" in out
    assert "is in no bank (no bank.yaml above it), so its domain" in out


def test_import_gift_says_a_repeated_note_once_with_a_count(tmp_path, capsys) -> None:
    out_file = tmp_path / "bank.gift"
    assert run(capsys, "--bank", str(BUNDLED), "export", "gift", str(out_file))[0] == 0
    code, out, _ = run(capsys, "import", "gift", str(out_file), str(tmp_path / "imported"))
    assert code == 0
    carried = [line for line in out.splitlines() if "are not carried by GIFT" in line]
    from quizapp.bank import load_bank

    questions = len(load_bank(BUNDLED).bank.questions)
    assert len(carried) == 1 and f"(and {questions - 1} more questions)" in carried[0]


# --- math reads the same in the terminal as in the TUI (issue 13, item 2) -------------------------

LATEX_LEFT = ("$", "\\", "^{", "_{")


def test_sim_list_prints_math_as_unicode(capsys) -> None:
    code, out, _ = run(capsys, "sim", "list")
    assert code == 0 and not [mark for mark in LATEX_LEFT if mark in out]
    assert "Attention time grows as n²" in out and "Why attention scores are divided by √dₖ" in out


def test_sim_show_reads_plainly_and_lists_what_a_run_measures(capsys) -> None:
    code, out, _ = run(capsys, "sim", "show", "rnn-gradient-decay")
    assert code == 0 and not [mark for mark in LATEX_LEFT if mark in out]
    assert "seed         integer, [0, 2³¹−1], default 0" in out
    assert "Largest singular value σ that W is scaled to (γσ < 1 vanishes)." in out
    assert (
        "measured (the numbers a run reports):" in out and "norm_k1                   ‖∂h_T/∂h_(T−1)‖₂" in out
    )
    code, out, _ = run(capsys, "sim", "show", "rnn-gradient-decay", "--json")
    shown = json.loads(out)
    assert shown["claim"].startswith("If the recurrent matrix's largest singular value $\\sigma$")  # raw
    assert {"key": "gamma_sigma", "label": "γσ"} in shown["quantities"]


def test_sim_run_prints_a_plain_summary_and_labels_each_number(capsys) -> None:
    code, out, _ = run(capsys, "sim", "run", "rnn-gradient-decay")
    assert code == 0 and not [mark for mark in LATEX_LEFT if mark in out]
    assert "  summary:  ‖∂h_T/∂h_(T−50)‖ = " in out and "|dh_T/dh_T-50|" not in out
    assert "  gamma_sigma: 0.9  (γσ)" in out
    code, out, _ = run(capsys, "sim", "run", "rnn-gradient-decay", "--json")
    result = json.loads(out)
    assert "$\\|\\partial h_T/\\partial h_{T-50}\\|$" in result["summary"]  # --json stays raw
    assert result["labels"]["gamma_sigma"] == "γσ" and set(result["labels"]) == set(result["measured"])


def test_the_cache_sizing_summary_says_one_sequence_and_one_kv_head(capsys) -> None:
    code, out, _ = run(capsys, "sim", "run", "kv-cache-sizing")
    assert code == 0 and "1024 tokens × 1 sequence:" in out
    from sims import run_simulation

    labels = [s.name for s in run_simulation("kv-cache-sizing").last_frame.series]
    assert "MQA (1 KV head)" in labels and "GQA (8 KV heads)" in labels


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (2**31 - 1, "2³¹−1"),
        (65535, "65535"),
        (1e6, "10⁶"),
        (2.5e-5, "2.5 × 10⁻⁵"),
        (12345678.0, "1.235 × 10⁷"),
        (0.5, "0.5"),
        (True, "yes"),
    ],
)
def test_fmt_writes_powers_as_powers(value, shown) -> None:
    from quizapp.params import fmt

    assert fmt(value) == shown
