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


# --- one conversion for every surface (issue 13, item 2) ------------------------------------------

import pytest  # noqa: E402


@pytest.mark.parametrize(
    ("tex", "expected"),
    [
        # capital subscripts have no Unicode form: one letter or one word keeps the underscore
        ("W_Q", "W_Q"),
        ("W_{Q}", "W_Q"),
        (r"W_{\mathrm{Q}}", "W_Q"),
        (r"d_{\mathrm{model}}", "d_model"),
        (r"d_{\text{head}}", "d_head"),
        ("XW_Q", "XW_Q"),
        # anything mixed reads as a parenthesised group, with a real minus sign
        ("h_{T-50}", "h_(T−50)"),
        (r"\left|\frac{\partial h_T}{\partial h_{T-50}}\right|", "|∂h_T/∂h_(T−50)|"),
        # every character has a script form: Unicode all the way
        ("h_{t - 1}", "hₜ₋₁"),
        ("x^{-1}", "x⁻¹"),
        ("10^{-4}", "10⁻⁴"),
        ("s^L", "sᴸ"),
        ("2^l", "2ˡ"),
        ("(2^L - 1)", "(2ᴸ - 1)"),
        (r"\sigma_{\max}", "σₘₐₓ"),
        # nesting flattens to one level, kept readable
        ("x^{2^{31}}", "x^(2³¹)"),
        ("2^{2^{k}}", "2^(2ᵏ)"),
        (r"e^{x_j - m}", "e^(xⱼ − m)"),
        # accents: precomposed where Unicode has the letter, a combining mark otherwise
        (r"\hat{y}", "ŷ"),
        (r"\hat{x}", "x\u0302"),
        (r"\hat\theta", "θ\u0302"),
        (r"\bar{x}", "x̄"),
        (r"\tilde{n}", "ñ"),
        (r"\vec{v}", "v\u20d7"),
        # braces with labels
        (r"\underbrace{L}_{\text{layers}}", "L (layers)"),
        (r"2 \times \underbrace{L \cdot G}_{n^2}", "2 × L · G (n²)"),
        (r"\overbrace{a+b}^{\text{two}}", "a+b (two)"),
        (r"\underbrace{x}", "x"),
        # escaped specials
        (r"50\%", "50%"),
        (r"\#\text{heads}", "#heads"),
        (r"A \& B", "A & B"),
        (r"\text{is\_causal}", "is_causal"),
        (r"\$5", "$5"),
        (r"\{a, b\}", "{a, b}"),
        # roots
        (r"\sqrt{d_k}", "√dₖ"),
        (r"\sqrt{x + 1}", "√(x + 1)"),
        (r"\sqrt[3]{x}", "∛x"),
        (r"\sqrt[4]{x}", "∜x"),
        (r"\sqrt[n]{x+1}", "ⁿ√(x+1)"),
        # fonts, fractions, grouping
        (r"\mathbb{R}^{d}", "ℝᵈ"),
        (r"\operatorname{diag}(p) - pp^\top", "diag(p) - ppᵀ"),
        (r"\frac12", "1/2"),
        (r"\frac{e^m}{e^m + n - 1}", "eᵐ/(eᵐ + n - 1)"),
        ("3{,}072", "3,072"),
        (r"K_{0..t}^\top", "K_(0..t)ᵀ"),
        (r"\|W\|_2", "‖W‖₂"),
        (r"x^*", "x*"),
        (r"m'", "m'"),
        (r"f^{\prime}", "f′"),
        ("a\n+ b", "a + b"),
    ],
)
def test_math_to_unicode(tex, expected):
    assert math_to_unicode(tex) == expected


@pytest.mark.parametrize(
    ("markdown", "rendered", "flat"),
    [
        # `$` inside a code span is code, not math
        ("`cost in $` and $x_i$", "`cost in $` and xᵢ", "cost in $ and xᵢ"),
        ("`$x^2$` stays", "`$x^2$` stays", "$x^2$ stays"),
        # an escaped dollar is a dollar
        (r"escaped \$5 and $y^2$", r"escaped \$5 and y²", "escaped $5 and y²"),
        # prices are not math: a digit follows the would-be closing dollar
        ("between $5 and $10", "between $5 and $10", "between $5 and $10"),
        ("costs $5 and $6 each", "costs $5 and $6 each", "costs $5 and $6 each"),
        ("a lone $ sign", "a lone $ sign", "a lone $ sign"),
        # math output is shown as written in markdown: its `_` and `*` are escaped
        ("**bold $W_Q$** and *it*", r"**bold W\_Q** and *it*", "bold W_Q and it"),
        ("$x^*$ and $y^*$", r"x\* and y\*", "x* and y*"),
        # inside lists, quotes and tables
        ("- item $W_{Q}$\n  and $h_{T-50}$", "- item W\\_Q\n  and h\\_(T−50)", "- item W_Q and h_(T−50)"),
        ("> quote $\\sqrt{d_k}$", "> quote √dₖ", "> quote √dₖ"),
        (
            "| a | $x^2$ | $x^2$ |\n|---|---|---|",
            "| a | x² | x² |\n|---|---|---|",
            "| a | x² | x² | |---|---|---|",
        ),
        # display math inside a top-level paragraph gets a line of its own
        ("text\n$$x^2$$\nmore", "text\n\n    x²\n\nmore", "text x² more"),
        ("no math at all", "no math at all", "no math at all"),
    ],
)
def test_render_and_plain_find_math_like_markdown_does(markdown, rendered, flat):
    assert render(markdown) == rendered
    assert plain(markdown) == flat


def test_plain_keeps_blanks_and_drops_escapes():
    assert plain('("the ___ chased" versus\n"the ___")') == '("the ___ chased" versus "the ___")'
    assert plain(r"\*not emphasis\*") == "*not emphasis*"


def test_text_without_dollars_skips_the_parser(monkeypatch):
    import quizapp.text as text

    def refuse(*_):
        raise AssertionError("the parser ran on text with no $")

    monkeypatch.setattr(text, "_math_spans", refuse)
    assert text.render("**plain** text") == "**plain** text"
    assert text.plain("**plain** text") == "plain text"


def test_math_at_the_start_of_a_line_that_ends_in_a_digit():
    # dollarmath's own digit check reads the last character when the math opens the paragraph
    assert plain(r"$\|g\|$ = 0.458") == "‖g‖ = 0.458"
    assert plain("$x^2$ then $5 and 6") == "x² then $5 and 6"


def test_calligraphic_letters_tell_the_loss_from_the_depth():
    assert math_to_unicode(r"\partial \mathcal{L}/\partial x_L") == "∂ℒ/∂x_L"
