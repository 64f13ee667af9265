"""Math becomes readable Unicode; control characters and escape sequences never reach the terminal."""

from quizapp.text import clean, math_to_unicode, plain, render


def test_attention_formula_reads_well():
    tex = r"\text{softmax}\left(\frac{QK^\top}{\sqrt{d_k}}\right)V"
    assert math_to_unicode(tex) == "softmax(QKᵀ/√dₖ)V"


def test_scripts_and_symbols():
    assert math_to_unicode("h_{t-1}") == "hₜ₋₁"
    assert math_to_unicode(r"O(n^2 d)") == "O(n² d)"
    assert math_to_unicode(r"(\gamma\sigma)^k") == "(γσ)ᵏ"
    assert math_to_unicode(r"\lceil 499/8 \rceil") == "⌈ 499/8 ⌉"
    assert math_to_unicode("h_T") == "h_T"  # no Unicode subscript T: stays unambiguous


def test_render_inline_and_display_math():
    out = render("Cost $O(n^2)$.\n\n$$a \\cdot b$$\nafter")
    assert "Cost O(n²)." in out and "\n\n    a · b\n\n" in out
    assert render("costs $5 and $6") == "costs $5 and $6"


def test_clean_strips_escapes_and_controls():
    assert clean("a\x1b[31mred\x1b[0m\x07b\tc") == "aredb    c"
    assert clean("[red]kept[/red]") == "[red]kept[/red]"


def test_plain_is_one_line():
    assert plain("**Bold** and `code`\nnext line") == "Bold and code next line"
