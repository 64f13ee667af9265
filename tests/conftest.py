"""Shared fixtures: the bundled bank, and a factory for small banks written to a temp folder."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

import sims

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT / "question_bank"

MANIFEST = """\
title: Test bank
domains:
  - id: sequence-models
    title: Sequence models
    weight: 1
"""

GOOD_QUESTION = """\
id: good-one
title: A good question
domain: sequence-models
scenario: A scenario.
requirements:
  - id: parallel
    text: Be parallel.
prompt: Which one?
options:
  - text: First
    why: Because first.
    violates: [parallel]
    sim: rnn-gradient-decay
  - text: Second
    why: Because second.
answer: B
explanation: The analysis.
"""


@pytest.fixture
def make_bank(tmp_path: Path) -> Callable[..., Path]:
    """Write a bank folder: bank.yaml plus the given {relative path: text} files (dedented)."""

    def make(files: dict[str, str | bytes] | None = None, manifest: str = MANIFEST) -> Path:
        root = tmp_path / "bank"
        root.mkdir(exist_ok=True)
        (root / "bank.yaml").write_text(manifest)
        for rel, content in (files or {}).items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(textwrap.dedent(content))
        return root

    return make


class DefaultRuns(dict):
    """sim id -> (result, frames) of one run at the defaults, made on first use and shared."""

    def __missing__(self, sim_id: str) -> tuple[sims.RunResult, list[sims.Frame]]:
        frames: list[sims.Frame] = []
        self[sim_id] = (sims.run_simulation(sim_id, on_frame=frames.append), frames)
        return self[sim_id]


@pytest.fixture(scope="session")
def default_runs() -> DefaultRuns:
    """Every simulation's default run, computed once per test session."""
    return DefaultRuns()


class Clock:
    """A clock that moves only when the test moves it: monotonic seconds, or wall time when started
    at a wall-clock instant. One for every test that injects time into the core or the app."""

    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds
