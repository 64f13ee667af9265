"""The start-up cache: same result as a fresh load, never stale, never fatal."""

from __future__ import annotations

import os

from quizapp.bank import load_bank
from quizapp.bank.cache import cache_file, load_bank_cached

from .conftest import GOOD_QUESTION


def test_warm_load_equals_fresh_load(make_bank, tmp_path):
    root = make_bank({"a.yaml": GOOD_QUESTION, "b.yaml": "id: [broken\n"})
    cache = tmp_path / "cache"
    cold = load_bank_cached(root, cache)
    assert cache_file(root, cache).is_file()
    warm = load_bank_cached(root, cache)
    fresh = load_bank(root)
    assert warm.problems == fresh.problems == cold.problems
    assert list(warm.bank.questions) == list(fresh.bank.questions)
    assert warm.bank.sources == fresh.bank.sources and warm.bank.skipped == fresh.bank.skipped
    assert warm.bank.ids_by_domain() == {"sequence-models": ["good-one"]}
    assert warm.bank.question("good-one").answers == {"B"}


def test_a_changed_file_is_reloaded(make_bank, tmp_path):
    root = make_bank({"a.yaml": GOOD_QUESTION})
    cache = tmp_path / "cache"
    load_bank_cached(root, cache)
    path = root / "a.yaml"
    path.write_text(GOOD_QUESTION.replace("A good question", "An edited question"))
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    assert load_bank_cached(root, cache).bank.question("good-one").title == "An edited question"
    (root / "b.yaml").write_text(GOOD_QUESTION.replace("good-one", "second"))
    assert len(load_bank_cached(root, cache).bank.questions) == 2


def test_a_corrupt_or_unwritable_cache_is_ignored(make_bank, tmp_path):
    root = make_bank({"a.yaml": GOOD_QUESTION})
    cache = tmp_path / "cache"
    load_bank_cached(root, cache)
    cache_file(root, cache).write_bytes(b"\x00garbage")
    assert len(load_bank_cached(root, cache).bank.questions) == 1
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("")
    assert len(load_bank_cached(root, blocker / "cache").bank.questions) == 1
