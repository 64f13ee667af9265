"""The static simulation index: it equals what the registry says, its models refuse what the real
``Params`` refuse with the same messages, and opening a cached bank imports neither the simulations,
NumPy nor the YAML parser."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from pydantic import ValidationError

import sims
from quizapp.bank import sim_index

ROOT = Path(__file__).resolve().parent.parent


def test_the_index_file_equals_what_the_registry_says() -> None:
    assert sim_index.render(sim_index.build()) == sim_index.INDEX_FILE.read_text(encoding="utf-8"), (
        "quizapp/bank/sim_index.json is stale: run python -m quizapp.bank.sim_index"
    )
    assert sim_index.ids() == sims.ids()


def _errors(model: type, params: dict) -> list[tuple[tuple, str]] | None:
    try:
        model(**params)
    except ValidationError as exc:
        return [(err["loc"], err["msg"]) for err in exc.errors(include_url=False)]
    return None


def _trials(spec: dict) -> list[object]:
    """Values around a field's bounds, of the wrong type, and outside its choices."""
    values: list[object] = ["not a number" if spec["type"] != "str" else 3, None]
    for bound in ("ge", "gt", "le", "lt"):
        if bound in spec:
            edge = spec[bound]
            values += [edge, edge - 1, edge + 1, edge + 0.5]
    if "choices" in spec:
        values += ["no-such-choice", spec["choices"][-1]]
    if "multiple_of" in spec:
        values += [spec["default"] + 1]
    return values


@pytest.mark.parametrize("sim_id", sim_index.ids())
def test_links_are_checked_as_the_real_params_check_them(sim_id: str) -> None:
    real = type(sims.get(sim_id)).Params
    if sim_index.index()[sim_id][
        "cross_checks"
    ]:  # fields checked against each other: only the real one knows
        assert sim_index.params_model(sim_id) is real
        return
    rebuilt = sim_index.params_model(sim_id)
    assert rebuilt is not real and list(rebuilt.model_fields) == list(real.model_fields)
    simulation = sims.get(sim_id)
    settings = [
        {},
        dict(simulation.counter),
        *(dict(p.params) for p in simulation.probes),
        {"no_such_key": 1},
    ]
    for name, spec in sim_index.index()[sim_id]["params"].items():
        settings += [{name: value} for value in _trials(spec)]
    for params in settings:
        assert _errors(rebuilt, params) == _errors(real, params), params


def test_opening_a_cached_bank_imports_neither_simulations_numpy_nor_yaml(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from pathlib import Path\n"
        "from quizapp.ui import make_app\n"
        f"app = make_app(Path({str(ROOT / 'question_bank')!r}), Path({str(tmp_path)!r}))\n"
        "assert app.bank is not None and len(app.bank.questions) > 40\n"
        "print(sorted(n for n in sys.modules if n.split('.')[0] in ('sims', 'numpy', 'yaml')))\n"
    )
    run = [sys.executable, "-c", script]
    first = subprocess.run(run, check=True, cwd=ROOT, capture_output=True, text=True)  # writes the cache
    assert "'sims'" in first.stdout  # a miss validates the bank: its links with params need the real sims
    again = subprocess.run(run, check=True, cwd=ROOT, capture_output=True, text=True)
    assert again.stdout.strip() == "[]"
