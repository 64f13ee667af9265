"""Question text for the terminal: sanitising, and $math$ turned into readable Unicode.

Question text is data, never instructions to the terminal or to Rich: control characters are
stripped here, and the UI shows the result without markup interpretation. Never imports Textual.
"""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ANSI = re.compile(r"\x1b(\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[@-Z\\-_])")

_GREEK = {
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ε",
    "varepsilon": "ε",
    "zeta": "ζ",
    "eta": "η",
    "theta": "θ",
    "iota": "ι",
    "kappa": "κ",
    "lambda": "λ",
    "mu": "μ",
    "nu": "ν",
    "xi": "ξ",
    "pi": "π",
    "rho": "ρ",
    "sigma": "σ",
    "tau": "τ",
    "upsilon": "υ",
    "phi": "φ",
    "varphi": "φ",
    "chi": "χ",
    "psi": "ψ",
    "omega": "ω",
    "Gamma": "Γ",
    "Delta": "Δ",
    "Theta": "Θ",
    "Lambda": "Λ",
    "Xi": "Ξ",
    "Pi": "Π",
    "Sigma": "Σ",
    "Phi": "Φ",
    "Psi": "Ψ",
    "Omega": "Ω",
}
_SYMBOLS = {
    "cdot": "·",
    "times": "×",
    "le": "≤",
    "leq": "≤",
    "ge": "≥",
    "geq": "≥",
    "ne": "≠",
    "neq": "≠",
    "approx": "≈",
    "sim": "~",
    "propto": "∝",
    "infty": "∞",
    "to": "→",
    "rightarrow": "→",
    "leftarrow": "←",
    "Rightarrow": "⇒",
    "mapsto": "↦",
    "in": "∈",
    "notin": "∉",
    "sum": "Σ",
    "prod": "Π",
    "partial": "∂",
    "nabla": "∇",
    "ldots": "…",
    "cdots": "⋯",
    "dots": "…",
    "quad": "  ",
    "qquad": "    ",
    "log": "log",
    "exp": "exp",
    "max": "max",
    "min": "min",
    "softmax": "softmax",
    "top": "ᵀ",
    "odot": "⊙",
    "otimes": "⊗",
    "oplus": "⊕",
    "circ": "∘",
    "lvert": "|",
    "rvert": "|",
    "lVert": "‖",
    "rVert": "‖",
    "|": "‖",
    "mid": "|",
    "lceil": "⌈",
    "rceil": "⌉",
    "lfloor": "⌊",
    "rfloor": "⌋",
    "forall": "∀",
    "exists": "∃",
    "ll": "≪",
    "gg": "≫",
    "pm": "±",
    "mp": "∓",
    "ell": "ℓ",
    "{": "{",
    "}": "}",
    "left": "",
    "right": "",
    "big": "",
    "Big": "",
    ",": " ",
    ";": " ",
    "!": "",
    " ": " ",
    "displaystyle": "",
}
_SUPER = str.maketrans("0123456789+-=()nikTtdx", "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵏᵀᵗᵈˣ")
_SUB = str.maketrans("0123456789+-=()aehijklmnoprstuvx", "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ")
_ATOM = "[\\w.·′√" + "".join(sorted(set("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵏᵀᵗᵈˣ₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ"))) + "]+"
_FONT = re.compile(
    r"\\(?:text|mathrm|mathbf|mathit|operatorname|mathcal|mathbb|textbf|texttt|boldsymbol)\s*\{([^{}]*)\}"
)
_FRAC = re.compile(r"\\[dt]?frac\s*\{([^{}]*)\}\s*\{([^{}]*)\}")
_SQRT = re.compile(r"\\sqrt\s*\{([^{}]*)\}")
_SCRIPT = re.compile(r"([\^_])(\{([^{}]*)\}|\\[A-Za-z]+|[A-Za-z0-9+\-*])")
_COMMAND = re.compile(r"\\([A-Za-z]+|[|,;! {}])")
_MATH = re.compile(r"\$\$(.+?)\$\$|(?<![\\$])\$(?!\s)([^$\n]+?)(?<!\s)\$", re.S)


def clean(text: str) -> str:
    """Strip terminal escape sequences and control characters; tabs become spaces."""
    return _CONTROL.sub("", _ANSI.sub("", text.replace("\r\n", "\n").replace("\t", "    ")))


def _group(text: str) -> str:
    """Parenthesise a compound numerator or radicand so the flat form stays unambiguous."""
    text = text.strip()
    return text if re.fullmatch(_ATOM, text) else f"({text})"


def _script(match: re.Match[str]) -> str:
    """A superscript or subscript: Unicode where every character has one, else ^(...) / _(...)."""
    kind, body = match.group(1), match.group(3) if match.group(3) is not None else match.group(2)
    table = _SUPER if kind == "^" else _SUB
    if body in ("T", "\\top", "\\intercal") and kind == "^":
        return "ᵀ"
    if body in ("*", "\\ast", "\\star"):
        return f"{kind}*" if kind == "_" else "*"
    if body in ("\\prime", "'"):
        return "′"
    converted = body.translate(table)
    if all(c != o or c in " " for c, o in zip(converted, body, strict=True)) and body:
        return converted
    return f"{kind}{body}" if len(body) == 1 else f"{kind}({body})"


def math_to_unicode(tex: str) -> str:
    """A LaTeX math fragment as plain Unicode text: ``\\sqrt{d_k}`` -> ``√dₖ``, ``QK^T`` -> ``QKᵀ``."""
    out = tex.strip()
    for _ in range(4):  # nested groups: innermost first, a few levels are plenty for exam text
        before = out
        out = _FONT.sub(lambda m: m.group(1), out)
        out = _SCRIPT.sub(_script, out)
        out = _SQRT.sub(lambda m: "√" + _group(m.group(1)), out)
        out = _FRAC.sub(lambda m: f"{_group(m.group(1))}/{_group(m.group(2))}", out)
        if out == before:
            break
    out = _COMMAND.sub(lambda m: _GREEK.get(m.group(1)) or _SYMBOLS.get(m.group(1), m.group(1)), out)
    out = out.replace("{", "").replace("}", "")
    return re.sub(r"[ ]{2,}", " ", out).strip()


def render(markdown: str) -> str:
    """Markdown for display: cleaned, with inline math in place and display math on its own line."""

    def swap(match: re.Match[str]) -> str:
        if match.group(1) is not None:
            return f"\n\n    {math_to_unicode(match.group(1))}\n\n"
        return math_to_unicode(match.group(2))

    return re.sub(r"\n{3,}", "\n\n", _MATH.sub(swap, clean(markdown))).strip()


def plain(markdown: str) -> str:
    """One paragraph of plain text (no markdown emphasis marks), for lists and option labels."""
    text = render(markdown)
    text = re.sub(r"(\*\*|__|`)(.+?)\1", r"\2", text)
    text = re.sub(r"(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])", r"\1", text)
    return re.sub(r"\s*\n\s*", " ", text).strip()
