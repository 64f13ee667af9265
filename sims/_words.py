"""Small helpers for the words the simulations print (never imported as a simulation module)."""

from __future__ import annotations


def plural(count: int, word: str, many: str | None = None) -> str:
    """``count`` and the noun that agrees with it: ``plural(1, "layer")`` is "1 layer", ``plural(2, "layer")``
    "2 layers"; ``many`` for an irregular plural (``plural(3, "matrix", "matrices")``)."""
    return f"{count} {word if count == 1 else many or word + 's'}"


def sci(value: float, digits: int = 2) -> str:
    """A number for a sentence: plain where it reads well (``0.25``, ``4096``), else powers of ten in
    ``$...$`` math (``1e-10`` -> ``$10^{-10}$``, ``2.3e-15`` -> ``$2.3 \\times 10^{-15}$``)."""
    if value == 0 or 1e-3 <= abs(value) < 1e5:  # every digit before the point is kept
        return f"{value:.{max(digits, len(str(int(abs(value)))))}g}"
    mantissa, exponent = f"{value:.{digits - 1}e}".split("e")
    power = f"10^{{{int(exponent)}}}"
    mantissa = mantissa.rstrip("0").rstrip(".")
    if mantissa in ("1", "-1"):
        return f"${'-' if mantissa == '-1' else ''}{power}$"
    return rf"${mantissa} \times {power}$"
