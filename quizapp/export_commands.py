"""The commands that carry the bank's questions to and from other formats: `quizapp export gift`,
`quizapp export anki` and `quizapp import gift`. cli.py parses arguments and calls one of these;
nothing here imports Textual.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .commands import OK, PROBLEMS, UsageError, _bank_dir


def export_gift(args: argparse.Namespace) -> int:
    """`quizapp export gift OUT`: the bank's questions as Moodle GIFT."""
    from .bank import load_bank
    from .gift import export_gift as to_gift
    from .gift.export import scoring_note

    loaded = load_bank(_bank_dir(args))
    if loaded.bank is None:
        for problem in loaded.problems:
            print(problem, file=sys.stderr)
        return PROBLEMS
    text = to_gift(loaded.bank.questions, loaded.bank.manifest)
    try:
        Path(args.out).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {args.out}: {exc.strerror or exc}") from None
    skipped = f" ({len(loaded.bank.skipped)} broken files skipped)" if loaded.bank.skipped else ""
    print(f"wrote {len(loaded.bank.questions)} questions to {args.out}{skipped}")
    note = scoring_note(loaded.bank.questions, loaded.bank.manifest)
    if note:
        print(note, file=sys.stderr)
    return OK


def export_anki(args: argparse.Namespace) -> int:
    """`quizapp export anki OUT.apkg`: the bank's questions as an Anki deck; the count on stderr."""
    out = Path(args.out)
    if out.suffix.lower() != ".apkg":
        raise UsageError(f"{out}: an Anki package must end in .apkg (Anki imports it by that name)")
    if not out.parent.is_dir():
        raise UsageError(f"cannot write {out}: there is no folder {out.parent}")
    from .anki import export_anki as to_anki
    from .bank import load_bank

    loaded = load_bank(_bank_dir(args))
    if loaded.bank is None:
        for problem in loaded.problems:
            print(problem, file=sys.stderr)
        return PROBLEMS
    try:
        written = to_anki(loaded.bank.questions, loaded.bank.manifest, out)
    except OSError as exc:
        raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
    skipped = f" ({len(loaded.bank.skipped)} broken files skipped)" if loaded.bank.skipped else ""
    print(f"wrote {written} notes to {out}{skipped}", file=sys.stderr)
    return OK


def _grouped_notes(notes: list[str]) -> list[str]:
    """Import notes with a message that recurs for many questions printed once, with a count."""
    import re

    located = [re.match(r"^(.*?:\d+): (?:[a-z0-9-]+: )?(.*)$", note, re.S) for note in notes]
    counts: dict[str, int] = {}
    for match in located:
        if match:
            counts[match.group(2)] = counts.get(match.group(2), 0) + 1
    out: list[str] = []
    said: set[str] = set()
    for note, match in zip(notes, located, strict=True):
        message = match.group(2) if match else note
        if counts.get(message, 1) == 1:
            out.append(note)
        elif message not in said:
            said.add(message)
            out.append(f"{note}  (and {counts[message] - 1} more questions)")
    return out


def import_gift(args: argparse.Namespace) -> int:
    """`quizapp import gift IN OUTDIR`: one YAML file per question, and what the author must add."""
    from .gift import import_gift as from_gift
    from .gift import write_questions

    source = Path(args.source)
    try:
        text = source.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read {source}: {exc}") from None
    from .bank.loader import nearest_manifest, read_manifest

    outdir = Path(args.outdir)
    manifest_path = nearest_manifest(
        outdir if outdir.exists() else outdir.parent if outdir.parent.exists() else Path.cwd()
    )
    manifest = read_manifest(manifest_path)[0] if manifest_path else None
    result = from_gift(text, str(source), manifest=manifest)
    try:
        written = write_questions(result, outdir)
    except FileExistsError as exc:
        raise UsageError(f"{exc}; nothing was written (choose an empty folder)") from None
    except OSError as exc:
        raise UsageError(f"cannot write to {outdir}: {exc}") from None
    for line in _grouped_notes(result.notes):
        print(line)
    print(f"wrote {len(written)} question files to {args.outdir}")
    return OK
