"""adamtheory.report.maths: formulas as presentation MathML (report.html, the claim pages).

The converter reads the claims' ASCII notation (and a little LaTeX, and SymPy expressions),
finds the formula spans of running text conservatively, and never loses or injects text.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html import unescape

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from adamtheory.report.maths import (
    MathsError,
    ascii_to_mathml,
    inline_html,
    latex_to_mathml,
    math_spans,
    to_mathml,
)

_MATH = re.compile(r'<math alttext="([^"]*)"[^>]*>.*?</math>', re.S)


def tree(xml: str) -> ET.Element:
    """The ``<math>`` element (the ASCII and LaTeX readers write well-formed XML)."""
    root = ET.fromstring(xml)
    assert root.tag == "math"
    return root


def body(xml: str) -> ET.Element:
    (child,) = list(tree(xml))
    return child


def texts(el: ET.Element) -> list[tuple[str, str]]:
    return [(e.tag, e.text or "") for e in el.iter() if e.tag in ("mi", "mn", "mo", "mtext")]


def restored(html: str) -> str:
    """The text of ``inline_html`` output with each formula replaced by its alttext."""
    html = re.sub(r'</?span( class="mwide")?>', "", html)
    return unescape(_MATH.sub(lambda m: m.group(1), html))


# ------------------------------------------------------------------------ the claims' notation
def test_negative_fraction_exponent():
    sup = body(ascii_to_mathml("eps^-7/2"))
    assert sup.tag == "msup"
    base, script = list(sup)
    assert (base.tag, base.text) == ("mi", "ε")
    assert script.tag == "mrow" and texts(script)[0] == ("mo", "−")
    frac = script.find("mfrac")
    assert frac is not None and [(e.tag, e.text) for e in frac] == [("mn", "7"), ("mn", "2")]


def test_fraction_exponent_and_greek():
    sup = body(ascii_to_mathml("lambda^1/2"))
    assert sup.tag == "msup" and sup[0].text == "λ"
    assert [(e.tag, e.text) for e in sup[1]] == [("mn", "1"), ("mn", "2")]
    assert sup[1].tag == "mfrac"


@pytest.mark.parametrize(
    ("name", "base", "sub"),
    [
        ("beta2", "β", "2"),
        ("Delta_F", "Δ", "F"),
        ("eta_t", "η", "t"),
        ("x0", "x", "0"),
        ("T_hit", "T", "hit"),
        ("sigma_1", "σ", "1"),
    ],
)
def test_identifiers_with_subscripts(name, base, sub):
    el = body(ascii_to_mathml(name))
    assert el.tag == "msub" and el[0].text == base and el[1].text == sub


def test_capital_greek_is_upright_and_accents():
    delta = body(ascii_to_mathml("Delta"))
    assert delta.text == "Δ" and delta.get("mathvariant") == "normal"
    ybar = body(ascii_to_mathml("ybar_tau"))
    assert ybar.tag == "msub" and ybar[0].tag == "mover" and ybar[1].text == "τ"
    assert [e.text for e in ybar[0]] == ["y", "¯"] and ybar[0].get("accent") == "true"
    hat = body(ascii_to_mathml("m_hat"))
    assert hat.tag == "mover" and [e.text for e in hat] == ["m", "^"]


def test_norm_with_bracketed_subscript():
    el = body(ascii_to_mathml("||grad F(ybar_tau)||_[lambda]"))
    assert el.tag == "msub"
    norm, sub = list(el)
    parts = texts(norm)
    assert parts[0] == ("mo", "‖") and parts[-1] == ("mo", "‖") and ("mo", "∇") in parts
    assert texts(sub) == [("mo", "["), ("mi", "λ"), ("mo", "]")]


def test_fraction_drops_the_parentheses_and_superscript_digits():
    el = body(ascii_to_mathml("beta2 = 1/(1+C²)"))
    assert [c.tag for c in el] == ["msub", "mo", "mfrac"]
    num, den = list(el.find("mfrac"))
    assert (num.tag, num.text) == ("mn", "1")
    assert texts(den) == [("mn", "1"), ("mo", "+"), ("mi", "C"), ("mn", "2")]
    assert den.find("msup") is not None


def test_sqrt_subscript_groups_and_inner_products():
    root = body(ascii_to_mathml("sqrt((1+beta^t)/(1-beta^t))"))
    assert root.tag == "msqrt" and root.find(".//mfrac") is not None
    expectation = body(ascii_to_mathml("E_(s~U[0,1])"))
    assert expectation.tag == "msub" and ("mo", "(") not in texts(expectation[1])[:1]
    inner = texts(body(ascii_to_mathml("<v_t, Delta_t - u_t>")))
    assert inner[0] == ("mo", "⟨") and inner[-1] == ("mo", "⟩") and ("mo", "−") in inner


def test_written_order_is_kept():
    """Unlike SymPy's printer, the factors stay in the order of the statement."""
    names = [
        t
        for tag, t in texts(body(ascii_to_mathml("T ~ (G+sigma)² Delta_F lambda^1/2 eps^-7/2")))
        if tag == "mi"
    ]
    assert names == ["T", "G", "σ", "Δ", "F", "λ", "ε"]


def test_function_names_do_not_take_a_fraction():
    """ "ln 2/(1-beta2)" is (ln 2)/(1-beta2): no fraction bar under ln alone."""
    el = body(ascii_to_mathml("ln 2/(1-beta2)"))
    assert el.find("mfrac") is None and ("mo", "/") in texts(el)


# ------------------------------------------------------------------- other inputs, fallbacks
def test_sympy_expressions_use_sympys_printer():
    beta, t = sp.symbols("beta t", positive=True)
    xml = to_mathml(sp.sqrt((1 + beta**t) / (1 - beta**t)))
    assert xml.startswith('<math alttext="sqrt(') and "<msqrt>" in xml and "&#946;" in xml
    named = to_mathml(sp.Symbol(r"\bar{y}_{t}") + sp.Symbol("Delta_F"))
    assert "<mover" in named and "\\bar" not in named.split(">", 1)[1]


def test_sympy_syntax_and_latex():
    assert "<mfrac>" in to_mathml("beta**2/(1 - beta)")  # str(expr): read by SymPy
    frac = body(latex_to_mathml(r"\frac{1-\beta}{\sqrt{v_t}}"))
    assert frac.tag == "mfrac" and frac[1].tag == "msqrt"
    sup = body(to_mathml(r"\alpha^{2}"))
    assert sup.tag == "msup" and sup[0].text == "α"
    with pytest.raises(MathsError):
        latex_to_mathml(r"\unknowncommand{x}")


def test_unreadable_text_is_kept_whole_and_escaped():
    xml = to_mathml("a < b & c")
    assert xml == '<math alttext="a &lt; b &amp; c"><mtext>a &lt; b &amp; c</mtext></math>'
    assert inline_html("a < b & c") == "a &lt; b &amp; c"
    assert inline_html("x_T of 32 runs; 2^") == "x_T of 32 runs; 2^".replace(
        "x_T", ascii_to_mathml("x_T")
    )


def test_alttext_and_display():
    xml = to_mathml("eps^-7/2", display=True)
    assert tree(xml).get("alttext") == "eps^-7/2" and tree(xml).get("display") == "block"
    assert tree(to_mathml("x", alttext="the x")).get("alttext") == "the x"


@pytest.mark.parametrize(
    "evil",
    [
        "<script>alert(1)</script>",
        '"><img src=x onerror=alert(1)>',
        "eps^<script>",
        "</math><script>alert(1)</script>",
        'beta2 = 1/(1+C²)"><svg onload=alert(1)>',
    ],
)
def test_no_markup_gets_through(evil):
    for html in (to_mathml(evil), inline_html(evil), inline_html(f"With eps^-7/2 {evil}")):
        assert "<script" not in html and "<img" not in html and "<svg" not in html
        assert "onerror=" not in html.replace("onerror=alert", "") or "&quot;" in html
    assert restored(inline_html(evil)) == evil


# ----------------------------------------------------------------------- formulas in prose
@pytest.mark.parametrize(
    ("text", "spans"),
    [
        (
            "reaches E||grad F(ybar_tau)||_[lambda] <= 4 eps at T ~ (G+sigma)² Delta_F "
            "lambda^1/2 eps^-7/2.",
            [
                "E||grad F(ybar_tau)||_[lambda] <= 4 eps",
                "T ~ (G+sigma)² Delta_F lambda^1/2 eps^-7/2",
            ],
        ),
        (
            "On f_t = Cx (t mod 3 = 1) else -x, C = 4, beta2 = 1/(1+C²), eta_t = eta/sqrt(t)",
            ["f_t = Cx", "(t mod 3 = 1)", "C = 4", "beta2 = 1/(1+C²)", "eta_t = eta/sqrt(t)"],
        ),
        ("the sum of the terms, a delta-method interval and the beta-OMD learner", []),
        ("kernel = reference recurrence (rel. error <= 1e-12)", []),
        ("a < b & c", []),
        ("the theorem's O(log T/sqrt(T)) rate", ["O(log T/sqrt(T))"]),
        ("thresholds 1 - O(n^-3.5) (2022)", ["1 - O(n^-3.5)"]),
        ("Adam (eps 1e-8 and 0)", ["eps"]),
        ("w.p. (1+delta)/(C+1)", ["(1+delta)/(C+1)"]),
        ("C = 2 x threshold", ["C = 2"]),
    ],
)
def test_formula_spans_are_conservative(text, spans):
    assert [text[a:b] for a, b in math_spans(text)] == spans


def test_every_registered_claim_text_round_trips():
    from adamtheory.claims import REGISTRY

    rendered = 0
    for claim in REGISTRY:
        d = claim.describe()
        for text in (d["statement"], d["rule"], d["negative_control"], claim.title):
            html = inline_html(text)
            assert restored(html) == text, claim.id
            assert "<script" not in html
            rendered += html.count("<math")
    assert rendered > 100  # the claims are full of formulas


_PIECES = st.sampled_from(
    list("abxyzTCE_^|()[]{}<>=-+*/,.~'² 0123456789&\"")
    + ["eps", "beta", "sqrt", "lambda", "||", "grad ", " of ", "ybar"]
)


@given(st.lists(_PIECES, max_size=30).map("".join))
def test_any_text_round_trips(text):
    html = inline_html(text)
    assert restored(html) == text
    for m in re.finditer(r"<math\b[^>]*>.*?</math>", html, re.S):
        tree(m.group())  # well-formed


@given(st.text(max_size=40))
def test_arbitrary_unicode_never_raises(text):
    assert restored(inline_html(text)) == text
    assert to_mathml(text).startswith("<math alttext=")
