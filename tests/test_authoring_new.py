"""`quizapp new`: the domain comes from --domain (declared ones only) or from the folder written into;
the skeleton's comments line up; the help says so; empty-domain messages list the declared domains."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from quizapp.bank import validate_paths
from quizapp.bank.skeleton import skeleton
from quizapp.cli import main

from .conftest import GOOD_QUESTION

TWO_DOMAINS = """\
title: Test bank
domains:
  - id: sequence-models
    title: Sequence models
  - id: long-context
    title: Long context
"""


def written_domain(path: Path) -> str:
    return re.search(r"^domain: (\S*)", path.read_text(), re.M).group(1)


def test_new_takes_the_domain_of_the_folder_it_writes_into(make_bank, capsys):
    root = make_bank(manifest=TWO_DOMAINS)
    assert main(["new", str(root / "long-context" / "n1.yaml")]) == 0
    assert written_domain(root / "long-context" / "n1.yaml") == "long-context"
    assert "domain 'long-context' (from its folder long-context/)" in capsys.readouterr().out
    assert main(["new", str(root / "long-context" / "drafts" / "n2.yaml")]) == 0
    assert written_domain(root / "long-context" / "drafts" / "n2.yaml") == "long-context"


def test_new_takes_the_domain_its_neighbours_share(make_bank, capsys):
    root = make_bank({"topic/a.yaml": GOOD_QUESTION}, manifest=TWO_DOMAINS)
    assert main(["new", str(root / "topic" / "b.yaml")]) == 0
    assert written_domain(root / "topic" / "b.yaml") == "sequence-models"
    assert "from the questions beside it" in capsys.readouterr().out


def test_new_leaves_the_domain_empty_when_the_folder_names_none(make_bank, capsys):
    root = make_bank(manifest=TWO_DOMAINS)
    assert main(["new", str(root / "n.yaml")]) == 0
    assert written_domain(root / "n.yaml") == '""'
    out = capsys.readouterr().out
    assert "empty domain" in out and "sequence-models, long-context" in out
    [problem] = [p for p in validate_paths([root / "n.yaml"]) if p.rule == "unknown-domain"]
    assert "sequence-models, long-context" in problem.message and "kv-cache" not in problem.message


def test_new_refuses_a_domain_the_bank_does_not_declare(make_bank, capsys):
    root = make_bank(manifest=TWO_DOMAINS)
    assert main(["new", str(root / "x.yaml"), "--domain", "long-contxt"]) == 2
    err = capsys.readouterr().err
    assert "did you mean 'long-context'?" in err and "declared: sequence-models, long-context" in err
    assert not (root / "x.yaml").exists()
    assert main(["new", str(root / "x.yaml"), "--domain", "long-context"]) == 0
    assert written_domain(root / "x.yaml") == "long-context"


def test_new_outside_a_bank_writes_a_placeholder_and_says_so(tmp_path, capsys):
    path = tmp_path / "q.yaml"
    assert main(["new", str(path)]) == 0
    assert written_domain(path) == '""'
    assert "no bank.yaml above it" in capsys.readouterr().out
    [problem] = [p for p in validate_paths([path]) if p.rule == "unknown-domain"]
    assert "cannot be checked" in problem.message and "kv-cache" not in problem.message
    assert main(["new", str(tmp_path / "r.yaml"), "--domain", "Not A Slug"]) == 2


def test_new_help_describes_where_the_domain_comes_from(capsys):
    with pytest.raises(SystemExit):
        main(["new", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    assert "the bank's first" not in out
    assert "folder" in out and "declared" in out and "left empty" in out


@pytest.mark.parametrize("qid", ["q", "a-much-longer-question-id-than-usual"])
def test_skeleton_comments_line_up(qid):
    lines = skeleton(qid, "sequence-models", "x.yaml", "a note").splitlines()
    trailing = [re.match(r"^(\s*\S.*\S)\s{2,}# ", line) for line in lines]
    columns = {m.end() - 2 for m in trailing if m}
    assert len(columns) == 1 and len([m for m in trailing if m]) >= 15, lines
