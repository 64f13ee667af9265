"""Moodle GIFT export and import for quizapp questions (no Textual here).

Export (:func:`export_gift`) writes, per question: ``// id:``, ``// domain:`` and (when not 3)
``// difficulty:`` comment lines, then Moodle's own ``// [id:...] [tag:...]`` line (recent Moodle reads
it as the ID number and tags); ``::title::[markdown]`` and the question text, which is the scenario,
the requirements as a markdown list after a ``<!-- requirements ID ... -->`` marker, and the prompt
after a ``<!-- prompt -->`` marker (HTML comments: invisible in Moodle, and how the importer splits
the text again); the answer block, one option per line with its ``why`` as feedback (``#...``) and
``// option-id:`` (explicit ids only) and ``// violates:`` comment lines before it; the explanation
as general feedback (``####...``). A ``$CATEGORY:`` line (the domain's title) opens each domain run.

Weights. A single-answer question is ``=right ~wrong``. A "choose N" question (a list answer, even of
one) has no ``=``, so Moodle makes it a multiple-response question: each right option weighs 100/N %
(``%50%``, ``%33.33333%``: values Moodle accepts, summing to 100). The wrong ones follow the bank's
``exam.scoring``: under ``partial`` each weighs -100/N %, which is quizapp's partial rule exactly
(Moodle floors a question's total at 0, as quizapp does); under ``all-or-nothing`` each weighs
-100 %, so one wrong tick cancels the credit. GIFT cannot say all-or-nothing: Moodle still gives
100/N % per right tick to a correct subset, and the header says so.

Math. quizapp's ``$inline$`` and ``$$display$$`` math (as :mod:`quizapp.text` reads it) is written as
MathJax's ``\\(...\\)`` and ``\\[...\\]``, the delimiters Moodle's MathJax filter reads. The importer
turns them back, so an export, import and export again gives the same text.

Escaping. ``\\ ~ = # { } :`` get a backslash everywhere, math included (``$\\frac{a}{b}$`` is written
``\\(\\\\frac\\{a\\}\\{b\\}\\)``); a math delimiter's backslash is the only one left bare, which is
how the importer tells it from a backslash in the text (Moodle reads ``\\\\`` and a bare ``\\`` before
``(`` alike). Moodle trims every line and ends a question at a blank line, so a line break is a real
newline only between two visible characters and never before a line starting with ``//``; elsewhere
it is GIFT's ``\\n`` escape.

Round trip (export, then :func:`import_gift`) keeps exactly: id, title, domain, tags, difficulty,
scenario, requirements, prompt, option ids, texts, ``why`` and ``violates``, the answer (single, or
a list for "choose N") and the explanation. Lost: traps, in_practice, references, simulation
links, ``shuffle: false`` and ``lint`` settings (the importer's notes say so), a field's leading whitespace, and trailing whitespace beyond
the YAML ``|`` convention (a multi-line value ends with one newline, a one-line value with none;
other trailing newlines are kept, but a multi-line value without a final newline gains one).
"""

from __future__ import annotations

from .export import export_gift
from .importer import ImportResult, import_gift, write_questions

__all__ = ["ImportResult", "export_gift", "import_gift", "write_questions"]
