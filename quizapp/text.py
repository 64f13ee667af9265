"""Text for the terminal: sanitising, and $math$ turned into readable Unicode the same way everywhere.

Question text is data, never instructions to the terminal or to Rich: control characters are
stripped here, and the UI shows the result without markup interpretation. Math spans are found by
markdown-it's ``dollarmath`` rule (so ``$`` in code spans, ``\\$`` and prices like "$5 and $10" stay
as written) and converted by one LaTeX reader, :func:`math_to_unicode`. :func:`render` gives block
markdown for a Markdown widget, :func:`plain` one line of plain text; both use the same conversion.
Never imports Textual.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")


def _table(pairs: str) -> dict[str, str]:
    """``"name=value name=value"`` as a dict (an empty value is allowed): compact to read and edit."""
    return dict(pair.split("=", 1) for pair in pairs.split())


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_GREEK = _table(
    "alpha=α beta=β gamma=γ delta=δ epsilon=ε varepsilon=ε zeta=ζ eta=η theta=θ vartheta=ϑ iota=ι kappa=κ "
    "lambda=λ mu=μ nu=ν xi=ξ pi=π rho=ρ sigma=σ tau=τ upsilon=υ phi=φ varphi=φ chi=χ psi=ψ omega=ω "
    "Gamma=Γ Delta=Δ Theta=Θ Lambda=Λ Xi=Ξ Pi=Π Sigma=Σ Phi=Φ Psi=Ψ Omega=Ω"
)
_SYMBOLS = _table(
    "cdot=· times=× div=÷ le=≤ leq=≤ ge=≥ geq=≥ ne=≠ neq=≠ approx=≈ sim=~ simeq=≃ equiv=≡ propto=∝ "
    "infty=∞ to=→ rightarrow=→ leftarrow=← gets=← Rightarrow=⇒ implies=⇒ Leftrightarrow=⇔ iff=⇔ "
    "mapsto=↦ in=∈ notin=∉ subset=⊂ subseteq=⊆ cup=∪ cap=∩ sum=Σ prod=Π int=∫ nabla=∇ ldots=… "
    "cdots=⋯ dots=… top=ᵀ intercal=ᵀ prime=′ ast=* star=* odot=⊙ otimes=⊗ oplus=⊕ circ=∘ lvert=| "
    "rvert=| vert=| lVert=‖ rVert=‖ Vert=‖ mid=| langle=⟨ rangle=⟩ lceil=⌈ rceil=⌉ lfloor=⌊ rfloor=⌋ "
    "forall=∀ exists=∃ ll=≪ gg=≫ pm=± mp=∓ ell=ℓ bmod=mod displaystyle= textstyle= limits= nolimits="
)
_SYMBOLS.update(quad=" ", qquad=" ")
_SIZED = _words("left right middle big Big bigg Bigg bigl bigr Bigl Bigr biggl biggr")
"""Delimiter sizes: dropped (the delimiter itself follows), and ``\\left.`` draws nothing."""
_ESCAPED = {",": " ", ";": " ", ":": " ", ">": " ", " ": " ", "!": "", "\\": " ", "|": "‖"}
"""``\\`` and a non-letter: spacing, or ``\\|``; any other (``\\% \\# \\& \\_ \\$ \\{ \\}``) is the character."""
_FONTS = _words(
    "text textrm textit textbf texttt textsf textnormal emph mathrm mathit mathbf mathsf mathtt "
    "mathscr mathfrak boldsymbol bm operatorname mbox"
)
_BLACKBOARD = str.maketrans("RNZQC", "ℝℕℤℚℂ")
_CALLIGRAPHIC = str.maketrans("BEFHILMR", "ℬℰℱℋℐℒℳℛ")
_ACCENTS = _table(
    "hat=\u0302 widehat=\u0302 bar=\u0304 overline=\u0305 tilde=\u0303 widetilde=\u0303 vec=\u20d7 "
    "dot=\u0307 ddot=\u0308 check=\u030c breve=\u0306"
)
"""Combining marks, put after each character (then NFC: ``\\hat{y}`` is the precomposed ``ŷ``)."""
_BRACES = frozenset({"underbrace", "overbrace"})
_ROOTS = {"": "√", "2": "√", "3": "∛", "4": "∜"}

_SUPER = dict(
    zip(
        "0123456789+-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVWβγδθιφχ",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂᵝᵞᵟᶿᶥᵠᵡ",
        strict=True,
    )
)
_SUB = dict(
    zip("0123456789+-=()aehijklmnoprstuvxβγρφχ", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ", strict=True)
)
_SCRIPTS = frozenset(_SUPER.values()) | frozenset(_SUB.values())
_ATOM = re.compile(r"(?:[\w.·′√∛∜∂∇\u0300-\u036f\u20d7" + "".join(sorted(_SCRIPTS)) + r"]|[_^]\([^()]*\))+")
"""What needs no parentheses as a numerator or radicand: one term, scripts (even ``_(T−50)``) included."""
_WORD = re.compile(r"[A-Za-z0-9]+")


def clean(text: str) -> str:
    """Strip terminal escape sequences and control characters; tabs become spaces."""
    return _CONTROL.sub("", _ANSI.sub("", text.replace("\r\n", "\n").replace("\t", "    ")))


def _group(text: str) -> str:
    """Parenthesise a compound numerator or radicand so the flat form stays unambiguous."""
    text = text.strip()
    return text if _ATOM.fullmatch(text) else f"({text})"


def _script(kind: str, body: str) -> str:
    """A superscript (``^``) or subscript (``_``) in the one rule used everywhere.

    1. Every character has a Unicode script form: use them (``h_{t-1}`` -> ``hₜ₋₁``, ``10^{-4}`` -> ``10⁻⁴``).
    2. One character, or one plain word of letters and digits: ``_Q`` / ``_model`` (``W_{Q}`` -> ``W_Q``).
    3. Anything else in parentheses, minus as ``−``: ``h_{T-50}`` -> ``h_(T−50)``, and a nested script
       keeps its level inside them: ``2^{2^{31}}`` -> ``2^(2³¹)``.
    ``^T``/``^\\top`` is ``ᵀ``, a prime is ``′``, and ``*`` stays ``*``.
    """
    body = body.strip()
    tight = body.replace(" ", "")
    if not tight:
        return ""
    if tight == "ᵀ" or set(tight) <= {"′"}:
        return tight
    if tight == "*":
        return "*" if kind == "^" else "_*"
    table = _SUPER if kind == "^" else _SUB
    if all(c in table for c in tight):
        return "".join(table[c] for c in tight)
    if len(tight) == 1 or _WORD.fullmatch(tight):
        return kind + tight
    return f"{kind}({body.replace('-', '−')})"


class _Tex:
    """A small recursive reader of LaTeX math: groups, commands with arguments, scripts."""

    def __init__(self, source: str) -> None:
        self.s = source
        self.i = 0

    def sequence(self, close: str = "") -> str:
        """Read up to ``close`` (consumed) or the end, rendering as it goes."""
        out: list[str] = []
        s = self.s
        while self.i < len(s):
            c = s[self.i]
            if close and c == close:
                self.i += 1
                break
            if c == "}":  # a stray closing brace draws nothing
                self.i += 1
            elif c in "^_":
                self.i += 1
                out.append(_script(c, self.argument()))
            else:
                text, brace = self.atom()
                if brace:
                    label = self.label()
                    text = f"{text} ({label})" if label else text
                out.append(text)
        return "".join(out)

    def label(self) -> str:
        """The ``_{...}`` or ``^{...}`` annotation after an under/overbrace, if there is one."""
        j = self.i
        while j < len(self.s) and self.s[j] == " ":
            j += 1
        if j < len(self.s) and self.s[j] in "^_":
            self.i = j + 1
            return self.argument().strip()
        return ""

    def argument(self) -> str:
        """One argument: a braced group, a command, or one character (spaces before it skipped)."""
        while self.i < len(self.s) and self.s[self.i] == " ":
            self.i += 1
        return self.atom()[0] if self.i < len(self.s) else ""

    def atom(self) -> tuple[str, bool]:
        """The next group, command or character; True when it is an under/overbrace awaiting a label."""
        c = self.s[self.i]
        self.i += 1
        if c == "{":
            return self.sequence("}"), False
        if c == "\\":
            return self.command()
        return c, False

    def command(self) -> tuple[str, bool]:
        s = self.s
        if self.i >= len(s):
            return "", False
        if not s[self.i].isalpha():
            c = s[self.i]
            self.i += 1
            return _ESCAPED.get(c, c), False
        start = self.i
        while self.i < len(s) and s[self.i].isalpha():
            self.i += 1
        name = s[start : self.i]
        if name in _FONTS:
            if self.i < len(s) and s[self.i] == "*":
                self.i += 1
            return self.argument(), False
        if name == "mathbb":
            return self.argument().translate(_BLACKBOARD), False
        if name == "mathcal":  # the loss is ℒ, never the depth L
            return self.argument().translate(_CALLIGRAPHIC), False
        if name in ("frac", "dfrac", "tfrac"):
            top = self.argument()
            return f"{_group(top)}/{_group(self.argument())}", False
        if name == "sqrt":
            return self.root(), False
        if name in _ACCENTS:
            mark = _ACCENTS[name]
            body = self.argument()
            return unicodedata.normalize("NFC", "".join(c + mark if c != " " else c for c in body)), False
        if name in _BRACES:
            return self.argument(), True
        if name in _SIZED:
            while self.i < len(s) and s[self.i] == " ":
                self.i += 1
            if self.i < len(s) and s[self.i] == ".":
                self.i += 1
            return "", False
        if name == "partial":  # ∂ binds to what it differentiates: \partial x -> ∂x
            while self.i < len(s) and s[self.i] == " ":
                self.i += 1
            return "∂", False
        if name in ("begin", "end"):
            self.argument()  # the environment's name draws nothing
            return "", False
        return _GREEK.get(name) or _SYMBOLS.get(name, name), False

    def root(self) -> str:
        """``\\sqrt{x}`` -> ``√x``, ``\\sqrt[3]{x}`` -> ``∛x``, ``\\sqrt[n]{x+1}`` -> ``ⁿ√(x+1)``."""
        index = ""
        j = self.i
        while j < len(self.s) and self.s[j] == " ":
            j += 1
        if j < len(self.s) and self.s[j] == "[":
            self.i = j + 1
            index = self.sequence("]").strip()
        radicand = _group(self.argument())
        if index in _ROOTS:
            return _ROOTS[index] + radicand
        raised = _script("^", index)
        return (raised if raised[:1] != "^" else f"({index})") + "√" + radicand


@functools.lru_cache(maxsize=8192)
def math_to_unicode(tex: str) -> str:
    """A LaTeX math fragment as plain Unicode text on one line: ``\\sqrt{d_k}`` -> ``√dₖ``,
    ``QK^T`` -> ``QKᵀ``, ``W_{Q}`` -> ``W_Q``, ``h_{T-50}`` -> ``h_(T−50)`` (see :func:`_script`)."""
    out = _Tex(tex.replace("\n", " ").strip()).sequence()
    return re.sub(r"[ ]{2,}", " ", out).strip()


# --- finding the math: markdown-it's dollarmath rule, with the source offsets it matched ------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|&~#])")
_MATH_TYPES = frozenset({"math_inline", "math_inline_double"})


@functools.cache
def _parser() -> Any:
    """The one markdown-it parser (CommonMark with tables, as the Markdown widget reads), built once."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.dollarmath import dollarmath_plugin
    from mdit_py_plugins.dollarmath.index import math_inline_dollar

    md = MarkdownIt("commonmark").enable(["table", "strikethrough"])
    md.use(dollarmath_plugin, allow_space=False, allow_digits=False, double_inline=True)
    inner = math_inline_dollar(allow_space=False, allow_digits=True, allow_double=True)

    def located(state: Any, silent: bool) -> bool:
        """dollarmath's inline rule, recording where in the inline source each span starts and ends.

        The digit rule (no digit just before the opening ``$`` or just after the closing one, so "$5 and
        $10" is no math) is checked here: the plugin's own check reads ``src[-1]`` at position 0, so a
        paragraph that starts with math and ends with a digit would lose its math."""
        start, src = state.pos, state.src
        if not inner(state, True):
            return False
        end, state.pos = state.pos, start
        if (start > 0 and src[start - 1].isdigit()) or (end < len(src) and src[end].isdigit()):
            return False
        if silent:
            state.pos = end
            return True
        inner(state, False)
        state.tokens[-1].meta["span"] = (start, state.pos)
        return True

    md.inline.ruler.at("math_inline", located)
    return md


def markdown_tokens(markdown: str) -> list[Any]:
    """markdown-it's tokens for ``markdown``, its math found exactly as :func:`render` finds it: for
    writers of other formats, which render the tokens themselves (the Anki export writes HTML)."""
    return list(_parser().parse(markdown))


@functools.lru_cache(maxsize=8192)
def _math_spans(text: str) -> tuple[tuple[int, int, str, bool], ...]:
    """Each math span of ``text`` as (start, end, tex, display), in order, in ``text``'s offsets.

    ``display`` is True for ``$$...$$`` at the top level (its own block, or inside a top-level
    paragraph), which :func:`render` sets on a line of its own."""
    lines = text.split("\n")
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    tokens = _parser().parse(text)
    cursor: dict[int, int] = {}  # per line, where the last placed piece ended (table cells share lines)
    spans: list[tuple[int, int, str, bool]] = []
    for index, token in enumerate(tokens):
        if token.map is None:
            continue
        first, last = token.map
        if token.type in ("math_block", "math_block_label"):
            if token.level == 0:
                spans.append((starts[first], starts[last] - 1, token.content, True))
            else:
                open_at = starts[first] + lines[first].find("$$")
                close_at = starts[last - 1] + lines[last - 1].rfind("$$") + 2
                spans.append((open_at, close_at, token.content, False))
        elif token.type == "inline" and any(c.type in _MATH_TYPES for c in token.children or ()):
            top = index > 0 and tokens[index - 1].type == "paragraph_open" and tokens[index - 1].level == 0
            spans += _inline_spans(token, lines, starts, cursor, text, top)
    return tuple(sorted(spans))


def _inline_spans(
    token: Any, lines: list[str], starts: list[int], cursor: dict[int, int], text: str, top: bool
) -> list[tuple[int, int, str, bool]]:
    """Map an inline token's math (offsets in its own source, the block's lines with their
    container prefixes cut) back to offsets in the whole text; a span that cannot be placed
    exactly is left as written."""
    pieces = token.content.split("\n")
    origin: list[int] = []  # where each piece starts in `text`
    for j, piece in enumerate(pieces):
        row = token.map[0] + j
        if row >= len(lines):
            return []
        line, body = lines[row].rstrip(), piece.rstrip()
        column = len(line) - len(body) if line.endswith(body) else line.find(body, cursor.get(row, 0))
        if column < 0:
            return []
        cursor[row] = column + len(body)
        origin.append(starts[row] + column)
    offsets = [0]
    for piece in pieces:
        offsets.append(offsets[-1] + len(piece) + 1)

    def place(pos: int) -> int:
        j = max(k for k in range(len(pieces)) if offsets[k] <= pos)
        return origin[j] + pos - offsets[j]

    out = []
    for child in token.children:
        if child.type in _MATH_TYPES and "span" in child.meta:
            start, end = child.meta["span"]
            begin, finish = place(start), place(end - 1) + 1
            double = child.type == "math_inline_double"
            marks = "$$" if double else "$"
            if text[begin:finish] == f"{marks}{child.content}{marks}":
                out.append((begin, finish, child.content, double and top))
    return out


def _swap_math(text: str, inline: Any, display: Any) -> str:
    """``text`` with each math span replaced by ``inline(tex)`` or, for display math, ``display(tex)``."""
    if "$" not in text:
        return text
    parts, at = [], 0
    for start, end, tex, shown_apart in _math_spans(text):
        if start >= at:  # never overlap a span already replaced
            parts += [text[at:start], (display if shown_apart else inline)(tex)]
            at = end
    return "".join(parts) + text[at:]


def render(markdown: str) -> str:
    """Markdown for display: cleaned, with inline math in place and display math on its own line."""
    text = _swap_math(
        clean(markdown),
        lambda tex: _MD_SPECIAL.sub(r"\\\1", math_to_unicode(tex)),  # shown as written, never as markup
        lambda tex: f"\n\n    {math_to_unicode(tex)}\n\n",  # an indented code line of its own
    )
    return re.sub(r"\n{3,}", "\n\n", text).strip()


_CODE = re.compile(r"(`+)(.+?)\1", re.S)
_STRONG = re.compile(r"(\*\*|__)(?![\s_*])(.+?)(?<![\s\\])\1")
_EMPHASIS = re.compile(r"(?<![\w*\\])\*(?!\s)(.+?)(?<![\s\\])\*(?![\w*])")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_HELD = 0xF0000
"""Private-use code points stand in for math and code spans while emphasis marks are stripped."""


def plain(markdown: str) -> str:
    """One line of plain text (no markdown emphasis marks or escapes), for lists, labels and the CLI."""
    held: list[str] = []

    def hold(value: str) -> str:
        held.append(value)
        return chr(_HELD + len(held) - 1)

    text = _swap_math(
        clean(markdown), lambda tex: hold(math_to_unicode(tex)), lambda tex: f" {hold(math_to_unicode(tex))} "
    )
    if "`" in text:
        text = _CODE.sub(lambda m: hold(m.group(2).strip() or m.group(2)), text)
    if "*" in text or "_" in text:
        text = _EMPHASIS.sub(r"\1", _STRONG.sub(r"\2", text))
    if "\\" in text:
        text = _ESCAPE.sub(r"\1", text)
    if held:
        text = re.sub("[\U000f0000-\U000ffffd]", lambda m: held[ord(m.group()) - _HELD], text)
    return re.sub(r"\s*\n\s*", " ", text).strip()
