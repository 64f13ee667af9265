"""`quizapp new`: a commented question skeleton that validates once its empty texts are filled."""

from __future__ import annotations

import re

TEMPLATE = """\
# A new question for quizapp. Fill in every "" below: `quizapp validate {path}` points at each
# one still empty. The format is in the README ("Writing questions"); `quizapp schema` gives editors
# completion and checks as you type.
id: {qid}                # stable: a learner's progress is keyed on it
title: ""                # one line
domain: {domain}
tags: []
difficulty: 3            # 1 (recall) .. 5 (expert)
scenario: ""             # markdown: the situation, with the numbers that matter; $math$ allowed
requirements:            # the constraints the scenario sets; options name the ones they break
  - id: first-requirement
    text: ""
prompt: ""               # the one line the learner answers
options:                 # 2 to 8; ids default to A, B, C ...
  - text: ""
    why: ""              # why this option is wrong: what it breaks, and how
    violates: [first-requirement]
    # sim: rnn-gradient-decay     # a simulation that proves the point (`quizapp sim list`)
  - text: ""
    why: ""              # why this option is right
answer: B                # an option id, or a list of ids for "choose N"
explanation: ""          # the expert's analysis, in markdown
traps: []                # - {{title: "", text: ""}}: misconceptions worth naming
# in_practice: ""        # where production differs from the exam answer
references: []           # paper and section or table
# sims: []               # more simulations for the question as a whole
"""


def slug(text: str) -> str:
    """A valid question id from a file name or title."""
    out = re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")
    return out or "new-question"


def skeleton(question_id: str, domain: str, shown_path: str) -> str:
    """The skeleton's YAML text."""
    return TEMPLATE.format(qid=question_id, domain=domain, path=shown_path)
