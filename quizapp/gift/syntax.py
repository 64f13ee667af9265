"""GIFT syntax shared by the exporter and the importer: special characters, markers, weights."""

from __future__ import annotations

import re

SPECIAL = "\\~=#{}:"
MATH = re.compile(r"\$\$(.+?)\$\$|(?<![\\$])\$(?!\s)([^$\n]+?)(?<!\s)\$", re.S)
"""Math as quizapp reads it (quizapp.text): ``$$display$$``, and ``$inline$`` with no space inside
either dollar and no backslash or dollar before the first. Exported as MathJax's ``\\[...\\]`` and
``\\(...\\)``, which Moodle's MathJax filter reads."""
MATH_DELIMITERS = re.compile(r"\\\[(.*?)\\\]|\\\((.*?)\\\)", re.S)
"""In GIFT text with its escapes hidden, MathJax's delimiters: a backslash that is not itself escaped
before ``[`` ``]`` ``(`` ``)``. The exporter writes every other backslash as ``\\\\``."""
FORMAT_WORD = re.compile(r"\[(markdown|html|plain|moodle)\]")
PROMPT_MARK = "\n\n<!-- prompt -->\n\n"
REQUIREMENTS_MARK = re.compile(r"\n\n<!-- requirements ([a-z0-9 -]+) -->\n\n")
WRONG_WEIGHT = -100
BRACE = re.compile("[{}]")
OPTION_MARK = re.compile("[~=]")
META = re.compile(r"([a-z][a-z-]*)\s*:\s*(.*)")
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
OPTION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,15}$")
NOT_CARRIED = (
    "traps, in_practice, references, simulation links, shuffle and lint settings are not carried by GIFT;"
    " add back any it had"
)

# While a question is parsed, an escaped character stands as a lone surrogate, which no decoded file
# holds, so that str.find sees only the unescaped syntax (Moodle does the same with "&&058;" etc.).
_HIDE = {c: chr(0xD800 + i) for i, c in enumerate(SPECIAL + "n")}
_SHOW = str.maketrans({v: ("\n" if k == "n" else k) for k, v in _HIDE.items()})
