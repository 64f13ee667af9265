"""Property tests: whatever text or YAML-like structure the loader is given, it returns problems
and never raises anything else."""

from __future__ import annotations

import os
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quizapp.bank import Problem, load_bank
from quizapp.bank.loader import _Collector
from quizapp.bank.models import Manifest

from .conftest import GOOD_QUESTION

EXAMPLES = int(os.environ.get("QUIZAPP_FUZZ_EXAMPLES", "2000"))
MANIFEST = Manifest.model_validate({"title": "T", "domains": [{"id": "sequence-models", "title": "S"}]})
FIELDS = [
    "id",
    "title",
    "domain",
    "tags",
    "difficulty",
    "scenario",
    "requirements",
    "prompt",
    "options",
    "answer",
    "explanation",
    "traps",
    "in_practice",
    "references",
    "sims",
    "text",
    "why",
    "violates",
    "sim",
    "params",
    "label",
    "anwser",
    "n",
    "sigma",
]

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10, 10**6),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.sampled_from(["A", "B", "C", "rnn-gradient-decay", "sequence-models", "", "x" * 300]),
)
structures = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=6),
        st.dictionaries(st.one_of(st.sampled_from(FIELDS), st.integers(0, 3)), inner, max_size=8),
    ),
    max_leaves=40,
)


def check_file(tmp: Path, content: bytes) -> list[Problem]:
    path = tmp / "q.yaml"
    path.write_bytes(content)
    collector = _Collector(MANIFEST)
    collector.add_file(path, str(path))
    assert all(isinstance(p, Problem) and p.line >= 1 and p.column >= 1 for p in collector.problems)
    return collector.problems


fuzz = settings(
    max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@fuzz
@given(text=st.text(max_size=300))
def test_arbitrary_text_only_yields_problems(tmp_path, text):
    check_file(tmp_path, text.encode("utf-8", "surrogatepass"))


@fuzz
@given(data=structures)
def test_arbitrary_structures_only_yield_problems(tmp_path, data):
    check_file(tmp_path, yaml.safe_dump(data, allow_unicode=True).encode("utf-8", "surrogatepass"))


@settings(
    max_examples=EXAMPLES // 4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(cut=st.integers(0, len(GOOD_QUESTION)), junk=st.text(max_size=5))
def test_damaged_good_question_only_yields_problems(tmp_path, cut, junk):
    check_file(tmp_path, (GOOD_QUESTION[:cut] + junk + GOOD_QUESTION[cut:]).encode("utf-8", "surrogatepass"))


def test_whole_bank_load_never_raises_on_garbage(make_bank):
    root = make_bank(
        {"a.yaml": b"\x00\x01\xff", "b.yaml": "{{{{", "c.yml": "- - - -\n", "d/e.yaml": "? [a]\n: b\n"}
    )
    result = load_bank(root)
    assert result.bank is not None and len(result.bank.skipped) == 4 and result.bank.questions == []
