"""What a learner scores without reading: 'always pick the first option' and 'pick the longest
option(s)', on a bank, in file order and as quizapp shows the options (shuffled by each exam's seed).

    python benchmarks/answer_cues.py [--bank DIR] [--seeds 1 2 3]

A fair bank and a fair exam keep both near chance. Prints one line per strategy; the file-order
lines describe the bank (issue 11's target), the exam lines what shuffling leaves of the cue.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from quizapp.bank import load_bank
from quizapp.exam_store import ExamStore
from quizapp.exams import ExamOptions, begin_exam, plan_exam
from quizapp.locations import bundled_bank
from quizapp.store import Store
from quizapp.study.exam import points


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bank", type=Path, default=bundled_bank())
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args()
    bank = load_bank(args.bank).bank
    if bank is None:
        print(f"no usable bank at {args.bank}", file=sys.stderr)
        return 2
    questions = list(bank.questions)
    n = len(questions)

    def first(order: list[str], k: int) -> set[str]:
        return set(order[:k])

    def longest(q, order: list[str], k: int) -> set[str]:
        return set(sorted(order, key=lambda i: -len(q.option(i).text))[:k])

    in_file = sum(q.is_correct(first(q.option_ids, len(q.answers))) for q in questions)
    by_length = sum(q.is_correct(longest(q, q.option_ids, len(q.answers))) for q in questions)
    print(f"bank {bank.title!r}: {n} questions")
    print(f"first N options, file order:   {in_file}/{n} = {100 * in_file / n:.1f}%")
    print(f"longest N options:             {by_length}/{n} = {100 * by_length / n:.1f}%")
    import tempfile

    with tempfile.TemporaryDirectory() as data:
        exams = ExamStore(Store.in_dir(data))
        for seed in args.seeds:
            plan = plan_exam(bank, ExamOptions(questions=n, seed=seed))
            assert not isinstance(plan, str)
            exam = begin_exam(bank, exams, plan)
            for i, (q, item) in enumerate(zip(exam.questions, exam.items, strict=True)):
                exam.answer(first(list(item.order), len(q.answers)), index=i)
            result = exam.submit()
            print(
                f"first N shown, full-bank exam, seed {seed}: {points(result.correct)}/{result.total}"
                f" = {result.percent:.1f}%"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
