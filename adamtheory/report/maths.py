"""Formulas as presentation MathML, which browsers render natively (no script, no fonts to fetch).

Three kinds of input become one ``<math>`` element, with the source kept as ``alttext``:

* a SymPy expression: SymPy's own presentation printer
  (``sympy.printing.mathml.mathml(expr, printer="presentation")``), with symbol names such as
  ``beta2``, ``Delta_F`` or ``\\bar{y}_{t}`` drawn by this module's identifier rules;
* a string in SymPy's syntax (``str(expr)``: ``**`` powers): parsed with
  :mod:`sympy.parsing.sympy_parser` (every name a plain symbol, nothing evaluated), then printed
  as above;
* the ASCII notation of the claims' text (``eps^-7/2``, ``lambda^1/2``,
  ``||grad F(ybar_tau)||_[lambda]``, ``beta2 = 1/(1+C²)``, ``sqrt(...)``, ``E_(s~U[0,1])``,
  ``<v_t, Delta_t - u_t>``, Greek names) or a little LaTeX (``\\frac``, ``\\sqrt``, Greek
  commands, ``^{..}``/``_{..}``): read by a small parser of this module that keeps the written
  order of the terms.

Why not SymPy's parser for the ASCII notation: it reads ``eps^-7/2`` as ``(eps^-7)/2`` (the
notation means ``eps^(-7/2)``), takes ``beta``, ``gamma``, ``E`` and ``O`` for functions and
``lambda`` for a keyword, cannot read norms, inner products, ``~`` or ``E_(...)``, and its
printer reorders factors and turns negative powers into fractions, so the rendered formula
would no longer look like the statement it renders.

:func:`inline_html` turns a claim's text (statement, prediction, rule) into HTML: escaped plain
text with inline MathML for the spans that clearly are formulas (an exponent or subscript, a
Greek name, a norm, ``sqrt``, a superscript digit, or a relation between a variable and a
number). A span that does not parse stays plain text, so no character is ever lost: replacing
each ``<math>`` by its ``alttext`` gives back the original text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from typing import Any

__all__ = [
    "GREEK",
    "MathsError",
    "ascii_to_mathml",
    "inline_html",
    "latex_to_mathml",
    "math_spans",
    "to_mathml",
]

GREEK = {
    "alpha": "α",
    "beta": "β",
    "gamma": "γ",
    "delta": "δ",
    "epsilon": "ε",
    "eps": "ε",
    "varepsilon": "ε",
    "zeta": "ζ",
    "eta": "η",
    "theta": "θ",
    "vartheta": "ϑ",
    "iota": "ι",
    "kappa": "κ",
    "lambda": "λ",
    "lamda": "λ",
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
    "Lamda": "Λ",
    "Xi": "Ξ",
    "Pi": "Π",
    "Sigma": "Σ",
    "Upsilon": "Υ",
    "Phi": "Φ",
    "Psi": "Ψ",
    "Omega": "Ω",
}
_GREEK_LETTERS = set(GREEK.values())
# names drawn upright, as operators are (MathML draws a multi-letter <mi> upright)
_FUNCTIONS = {
    "sqrt",
    "ln",
    "log",
    "exp",
    "max",
    "min",
    "sup",
    "lim",
    "sin",
    "cos",
    "tan",
    "sign",
    "sgn",
    "argmin",
    "argmax",
    "arg",
    "clip",
    "Pr",
    "Var",
    "Cov",
    "Exp",
    "det",
    "tr",
    "diag",
    "erf",
    "mod",
}
_SYMBOL_NAMES = {"grad": "∇", "inf": "∞", "infty": "∞", "sum": "∑", "prod": "∏"}
_ACCENTS = {"bar": "¯", "hat": "^", "tilde": "~", "dot": "˙"}
# two-letter English words, never read as a product of two variables
_TWO_LETTER_WORDS = {
    "at",
    "to",
    "in",
    "of",
    "or",
    "is",
    "if",
    "by",
    "on",
    "as",
    "be",
    "an",
    "it",
    "no",
    "so",
    "we",
    "do",
    "up",
    "us",
    "am",
    "he",
    "me",
    "my",
    "go",
    "vs",
    "id",
    "ok",
    "ie",
    "eg",
    "et",
    "al",
    "re",
    "ci",
}
_OPERATORS = {
    "-": "−",
    "<=": "≤",
    ">=": "≥",
    "->": "→",
    "=>": "⇒",
    "!=": "≠",
    "==": "=",
    "~": "∼",
    "*": "·",
    "+-": "±",
    "..": "‥",
    "...": "…",
}
_RELATIONS = {"=", "<=", ">=", "<", ">", "~", "->", "≤", "≥", "≈", "∝", "→", "≠", "!=", "=="}
_SUPERSCRIPTS = dict(zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁽⁾ⁿⁱ", "0123456789+-()ni", strict=True))
_SUBSCRIPTS = dict(zip("₀₁₂₃₄₅₆₇₈₉₊₋₍₎", "0123456789+-()", strict=True))

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<num>[0-9]+(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?)
  | (?P<cmd>\\(?:[A-Za-z]+|.))
  | (?P<ident>(?:(?!_S)[^\W\d_])(?:(?!_S)[^\W_])*(?:_(?:(?!_S)[^\W_])+)*)
  | (?P<sup>[⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁽⁾ⁿⁱ]+)
  | (?P<sub>[₀₁₂₃₄₅₆₇₈₉₊₋₍₎]+)
  | (?P<op>\*\*|\|\||<=|>=|->|=>|!=|==|\+-|\.\.\.?|'(?![^\W\d_])|[-+*/^_=<>~|·×±∓≤≥≈∝∈∉→←↦≠√∑∏∇∂∞!])
  | (?P<open>[(\[{⟨])
  | (?P<close>[)\]}⟩])
  | (?P<comma>,)
  | (?P<other>.)
""".replace("_S", "[⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁽⁾ⁿⁱ₀₁₂₃₄₅₆₇₈₉₊₋₍₎]"),
    re.X | re.S,
)  # no script digits
_LATEX_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<num>[0-9]+(?:\.[0-9]+)?)
  | (?P<cmd>\\(?:[A-Za-z]+|.))
  | (?P<ident>[^\W\d_])
  | (?P<op><=|>=|[-+*/^_=<>~|·×±∓≤≥≈∝∈∉→←≠√∑∏∇∂∞'!&])
  | (?P<open>[(\[{])
  | (?P<close>[)\]}])
  | (?P<comma>[,;:])
  | (?P<other>.)
""",
    re.X | re.S,
)
_CLOSING = {"(": ")", "[": "]", "{": "}", "⟨": "⟩"}

# LaTeX commands: those that stand for one token, and those that take arguments
_LATEX_SYMBOLS = {
    **{name: ("ident", ch) for name, ch in GREEK.items()},
    "infty": ("ident", "∞"),
    "ell": ("ident", "ℓ"),
    "partial": ("op", "∂"),
    "nabla": ("op", "∇"),
    "sum": ("op", "∑"),
    "prod": ("op", "∏"),
    "int": ("op", "∫"),
    "cdot": ("op", "·"),
    "times": ("op", "×"),
    "pm": ("op", "±"),
    "mp": ("op", "∓"),
    "le": ("op", "≤"),
    "leq": ("op", "≤"),
    "ge": ("op", "≥"),
    "geq": ("op", "≥"),
    "ne": ("op", "≠"),
    "neq": ("op", "≠"),
    "approx": ("op", "≈"),
    "sim": ("op", "∼"),
    "propto": ("op", "∝"),
    "in": ("op", "∈"),
    "notin": ("op", "∉"),
    "to": ("op", "→"),
    "rightarrow": ("op", "→"),
    "mapsto": ("op", "↦"),
    "mid": ("op", "|"),
    "ldots": ("op", "…"),
    "dots": ("op", "…"),
    "cdots": ("op", "⋯"),
    "lvert": ("op", "|"),
    "rvert": ("op", "|"),
    "lVert": ("op", "||"),
    "rVert": ("op", "||"),
    "|": ("op", "||"),
    "{": ("open", "{"),
    "}": ("close", "}"),
    "langle": ("open", "⟨"),
    "rangle": ("close", "⟩"),
    ",": ("space", "0.17em"),
    ";": ("space", "0.28em"),
    ":": ("space", "0.22em"),
    "!": ("space", "0em"),
    " ": ("space", "0.25em"),
    "quad": ("space", "1em"),
    "qquad": ("space", "2em"),
    **{
        name: ("fn", name)
        for name in (
            "ln",
            "log",
            "exp",
            "max",
            "min",
            "sup",
            "inf",
            "lim",
            "sin",
            "cos",
            "tan",
            "det",
            "arg",
            "Pr",
        )
    },
}
_LATEX_IGNORED = {
    "left",
    "right",
    "big",
    "Big",
    "bigg",
    "Bigg",
    "bigl",
    "bigr",
    "Bigl",
    "Bigr",
    "biggl",
    "biggr",
    "Biggl",
    "Biggr",
    "displaystyle",
    "textstyle",
}
_LATEX_ACCENTS = {
    "bar": "¯",
    "overline": "¯",
    "hat": "^",
    "widehat": "^",
    "tilde": "~",
    "widetilde": "~",
    "dot": "˙",
    "vec": "→",
}
_LATEX_TEXT = {
    "mathrm",
    "text",
    "operatorname",
    "textrm",
    "mathit",
    "mathbf",
    "mathbb",
    "mathcal",
    "boldsymbol",
}


class MathsError(ValueError):
    """A formula this module cannot read (its callers then show the text as it is)."""


# ------------------------------------------------------------------------------- XML helpers
def _t(text: str) -> str:
    return escape(text, quote=False)


def _el(tag: str, *children: str, **attrs: str) -> str:
    attr = "".join(f' {k.rstrip("_").replace("_", "-")}="{escape(v)}"' for k, v in attrs.items())
    return f"<{tag}{attr}>{''.join(children)}</{tag}>"


def _mi(text: str) -> str:
    upright = len(text) == 1 and text in _GREEK_LETTERS and text.isupper()
    return _el("mi", _t(text), mathvariant="normal") if upright else _el("mi", _t(text))


def _mo(text: str, **attrs: str) -> str:
    return _el("mo", _t(text), **attrs)


def _fence(open_: str, inner: str, close: str) -> str:
    """Brackets around ``inner``: stretchy only around a fraction, root or large operator
    (fonts without a MATH table draw stretched brackets badly)."""
    tall = any(tag in inner for tag in ("<mfrac", "<msqrt", "<mroot", "<munder"))
    attrs = {} if tall else {"stretchy": "false"}
    return _el("mrow", _mo(open_, **attrs), inner, _mo(close, **attrs))


def _row(children: Iterable[str]) -> str:
    items = list(children)
    return items[0] if len(items) == 1 else _el("mrow", *items)


def _wrap(body: str, alttext: str, display: bool) -> str:
    attrs = {"alttext": alttext}
    if display:
        attrs["display"] = "block"
    return _el("math", body, **attrs)


# --------------------------------------------------------------------------------- identifiers
def _letters(name: str) -> str:
    """One name without subscripts: Greek, trailing digits as a subscript, accents."""
    if name in GREEK:
        return _mi(GREEK[name])
    if name in _SYMBOL_NAMES:
        return (
            _mo(_SYMBOL_NAMES[name])
            if name != "inf" and name != "infty"
            else _mi(_SYMBOL_NAMES[name])
        )
    if name.isdigit():
        return _el("mn", name)
    m = re.fullmatch(r"(\D+?)(\d+)", name)
    if m and (m.group(1) in GREEK or len(m.group(1)) == 1):
        return _el("msub", _letters(m.group(1)), _el("mn", m.group(2)))
    m = re.fullmatch(r"(\d+)(\D\w*)", name)
    if m:
        return _row([_el("mn", m.group(1)), _letters(m.group(2))])
    m = re.fullmatch(r"(.+?)bar", name)
    if m and (m.group(1) in GREEK or len(m.group(1)) == 1):
        return _accent(_letters(m.group(1)), _ACCENTS["bar"])
    if (
        len(name) == 2
        and name.lower() not in _TWO_LETTER_WORDS
        and name not in _FUNCTIONS
        and name.isalpha()
    ):
        return _row([_mi(name[0]), _mi(name[1])])
    return _mi(name)


def _accent(base: str, mark: str) -> str:
    return _el("mover", base, _mo(mark), accent="true")


def _ident_parts(text: str) -> tuple[str, str | None]:
    """Base and subscript of ``x``, ``beta2``, ``Delta_F``, ``ybar_tau``, ``m_hat``."""
    base, *subs = text.split("_")
    script: list[str] = []
    m = re.fullmatch(r"(\D+?)(\d+)", base)
    if m and (m.group(1) in GREEK or len(m.group(1)) == 1):  # beta2, x0: digits below
        base, script = m.group(1), [_el("mn", m.group(2))]
    xml = _letters(base)
    for part in subs:
        if part in _ACCENTS and not script:
            xml = _accent(xml, _ACCENTS[part])
        else:
            script += ([_mo(",")] if script else []) + [_letters(part)]
    return xml, (_row(script) if script else None)


def _identifier(text: str) -> str:
    """An identifier token as MathML: Greek names, digits and ``_x`` as subscripts, accents."""
    base, sub = _ident_parts(text)
    return base if sub is None else _el("msub", base, sub)


def _ident_kind(text: str) -> tuple[bool, bool]:
    """(can be part of a formula, marks a formula by itself) for an identifier token."""
    base, *subs = text.split("_")
    if subs:
        return _ident_kind(base)[0], _ident_kind(base)[0]
    if base in GREEK or (len(base) == 1 and base in _GREEK_LETTERS):
        return True, True
    m = re.fullmatch(r"(\D+?)(\d)", base)
    if m and (m.group(1) in GREEK or len(m.group(1)) == 1):
        return True, True
    m = re.fullmatch(r"(.+?)bar", base)  # ybar; "x_hat" takes an underscore ("that" is a word)
    if m and (m.group(1) in GREEK or len(m.group(1)) == 1):
        return True, True
    if base in ("grad", "sqrt") or (len(base) == 1 and not base.isascii()):
        return True, True
    if len(base) == 1 or base in _FUNCTIONS or base in _SYMBOL_NAMES:
        return True, False
    if (
        len(base) == 2
        and base.isalpha()
        and base.lower() not in _TWO_LETTER_WORDS
        and sum(c.isupper() for c in base) == 1
    ):
        return True, False
    return False, False


# ------------------------------------------------------------------------------------ tokens
@dataclass
class _Tok:
    kind: str
    text: str
    start: int
    end: int
    space: bool = False  # whitespace right before it


def _tokens(text: str, latex: bool = False) -> list[_Tok]:
    pattern = _LATEX_TOKEN if latex else _TOKEN
    out: list[_Tok] = []
    space = False
    for m in pattern.finditer(text):
        kind = m.lastgroup or "other"
        if kind == "ws":
            space = True
            continue
        tok = _Tok(kind, m.group(), m.start(), m.end(), space)
        space = False
        if kind == "op" and tok.text == "**" and not latex:
            tok.text = "^"
        out.append(tok)
    if latex:
        out = _latex_tokens(out)
    else:
        _angles(out)
    return out


def _angles(tokens: list[_Tok]) -> None:
    """``<a, b>`` (no space inside the brackets, a comma at depth 0) is an inner product."""
    for i, tok in enumerate(tokens):
        if tok.kind != "op" or tok.text != "<" or i + 1 >= len(tokens) or tokens[i + 1].space:
            continue
        depth, comma = 0, False
        for j in range(i + 1, min(len(tokens), i + 60)):
            t = tokens[j]
            if t.kind == "open":
                depth += 1
            elif t.kind == "close":
                depth -= 1
                if depth < 0:
                    break
            elif t.kind == "comma" and depth == 0:
                comma = True
            elif t.kind == "op" and t.text == "<" and depth == 0:
                break
            elif t.kind == "op" and t.text == ">" and depth == 0:
                if comma and not t.space:
                    tok.kind, t.kind = "open", "close"
                    tok.text, t.text = "⟨", "⟩"
                break


def _latex_tokens(tokens: list[_Tok]) -> list[_Tok]:
    out = []
    for tok in tokens:
        if tok.kind == "cmd":
            name = tok.text[1:]
            if name in _LATEX_IGNORED:
                continue
            if name in _LATEX_SYMBOLS:
                kind, text = _LATEX_SYMBOLS[name]
                out.append(_Tok(kind, text, tok.start, tok.end, tok.space))
                continue
            if (
                name not in _LATEX_ACCENTS
                and name not in _LATEX_TEXT
                and name not in ("frac", "dfrac", "tfrac", "sqrt")
            ):
                raise MathsError(f"unknown LaTeX command {tok.text}")
        out.append(tok)
    return out


# ------------------------------------------------------------------------------------ parser
@dataclass
class _Item:
    xml: str
    inner: str | None = None  # contents of a bare (...) group, for a fraction's parts
    fn: bool = False  # a function name: an argument follows
    base: str | None = None  # for msub: its base and subscript, so that ^ makes msubsup
    sub: str | None = None


class _Parser:
    def __init__(self, tokens: list[_Tok], latex: bool = False):
        self.toks = tokens
        self.i = 0
        self.latex = latex

    # helpers
    def peek(self, k: int = 0) -> _Tok | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def take(self) -> _Tok:
        tok = self.peek()
        if tok is None:
            raise MathsError("unexpected end of formula")
        self.i += 1
        return tok

    def expect(self, text: str) -> None:
        tok = self.take()
        if tok.text != text:
            raise MathsError(f"expected {text!r}, found {tok.text!r}")

    def parse(self) -> str:
        row = self.expr(frozenset())
        if self.peek() is not None:
            raise MathsError(f"unexpected {self.peek().text!r}")
        if not row:
            raise MathsError("empty formula")
        return _row(row)

    def starts_item(self, tok: _Tok | None) -> bool:
        if tok is None:
            return False
        return tok.kind in ("num", "ident", "open", "cmd", "fn") or (
            tok.kind == "op" and tok.text in ("||", "|", "√", "∇", "∂", "∞", "∑", "∏")
        )

    def expr(self, stops: frozenset[str]) -> list[str]:
        out: list[str] = []
        before: str | None = None  # what precedes: None (start), "op", "item" or "fn"
        while (tok := self.peek()) is not None and tok.text not in stops:
            if tok.kind == "close":
                raise MathsError(f"unmatched {tok.text!r}")
            if tok.kind == "space":
                self.take()
                out.append(_el("mspace", width=tok.text))
                continue
            if tok.kind == "comma" or (tok.kind == "op" and not self.starts_item(tok)):
                self.take()
                out.append(_mo(_OPERATORS.get(tok.text, tok.text)))
                before = "op"
                continue
            if tok.kind == "other":
                raise MathsError(f"unexpected {tok.text!r}")
            item = self.item()
            nxt, after = self.peek(), self.peek(1)
            if (
                nxt is not None
                and nxt.text == "/"
                and nxt.kind == "op"
                and not nxt.space
                and after is not None
                and not after.space
                and before in (None, "op")
                and not item.fn
                and self.starts_item(after)
            ):
                self.take()
                right = self.item()
                item = _Item(_el("mfrac", item.inner or item.xml, right.inner or right.xml))
            out.append(item.xml)
            if item.fn and self.starts_item(self.peek()):
                out.append(_mo("\u2061"))
            before = "fn" if item.fn else "item"
        return out

    def group(self, close: str) -> str:
        inner = self.expr(frozenset({close}))
        self.expect(close)
        return _row(inner) if inner else _el("mrow")

    def atom(self) -> _Item:
        tok = self.take()
        kind, text = tok.kind, tok.text
        if kind == "num":
            return _Item(_el("mn", text))
        if kind == "fn":
            return _Item(_mi(text), fn=True)
        if kind == "ident":
            if (
                text in ("sqrt",)
                and self.peek() is not None
                and self.peek().text == "("
                and not self.peek().space
            ):
                self.take()
                return _Item(_el("msqrt", self.group(")")))
            if text in ("Σ", "sum") or text.startswith("sum_"):
                xml = _mo("∑")
                if text.startswith("sum_"):
                    xml = _el("msub", xml, _identifier(text[4:]))
                return _Item(xml)
            if text in _FUNCTIONS:
                return _Item(_mi(text), fn=True)
            base, sub = _ident_parts(text)
            if sub is None:
                return _Item(base)
            return _Item(_el("msub", base, sub), base=base, sub=sub)
        if kind == "open":
            close = _CLOSING[text]
            inner = self.group(close)
            if self.latex and text == "{" and tok.end - tok.start == 1:  # a TeX group
                return _Item(inner, inner=inner)
            return _Item(_fence(text, inner, close), inner=inner if text == "(" else None)
        if kind == "op":
            if text == "||":
                return _Item(_fence("‖", self.group("||"), "‖"))
            if text == "|":
                return _Item(_fence("|", self.group("|"), "|"))
            if text == "√":
                return _Item(_el("msqrt", self.item().xml))
            if text in ("∇", "∂", "∑", "∏"):
                return _Item(_mo(text))
            if text == "∞":
                return _Item(_mi("∞"))
        if kind == "cmd":
            return self.command(tok)
        raise MathsError(f"unexpected {text!r}")

    def brace_arg(self) -> str:
        tok = self.peek()
        if tok is not None and tok.kind == "open" and tok.text == "{" and tok.end - tok.start == 1:
            self.take()
            return self.group("}")
        return self.atom().xml

    def command(self, tok: _Tok) -> _Item:
        name = tok.text[1:]
        if name in ("frac", "dfrac", "tfrac"):
            return _Item(_el("mfrac", self.brace_arg(), self.brace_arg()))
        if name == "sqrt":
            nxt = self.peek()
            if nxt is not None and nxt.text == "[":
                self.take()
                index = self.group("]")
                return _Item(_el("mroot", self.brace_arg(), index))
            return _Item(_el("msqrt", self.brace_arg()))
        if name in _LATEX_ACCENTS:
            return _Item(_accent(self.brace_arg(), _LATEX_ACCENTS[name]))
        if name in _LATEX_TEXT:
            start = self.peek()
            if start is None or start.text != "{":
                raise MathsError(f"\\{name} needs a braced argument")
            self.take()
            depth, parts = 1, []
            while depth:
                t = self.take()
                depth += (t.text == "{" and t.kind == "open") - (
                    t.text == "}" and t.kind == "close"
                )
                if depth:
                    parts.append((" " if t.space and parts else "") + t.text)
            content = "".join(parts)
            if name == "mathbb" and content == "E":
                return _Item(_mi("𝔼"))
            if name in ("text", "textrm"):
                return _Item(_el("mtext", _t(content)))
            return _Item(
                _el("mi", _t(content), mathvariant="normal") if len(content) == 1 else _mi(content),
                fn=name == "operatorname",
            )
        raise MathsError(f"unknown LaTeX command {tok.text}")

    def script(self, sup: bool) -> str:
        """The operand of ``^`` or ``_``: ``-7/2``, ``1/2``, ``t``, ``(t-s)``, ``{t-s}``,
        ``[lambda]``."""
        tok = self.peek()
        if tok is None or tok.space:
            raise MathsError("a script needs an operand")
        if (
            tok.kind == "op"
            and tok.text in ("-", "+")
            and (n := self.peek(1)) is not None
            and n.kind == "num"
            and not n.space
        ):
            self.take()
            return _row([_mo(_OPERATORS.get(tok.text, tok.text)), self.number(sup)])
        if tok.kind == "num":
            return self.number(sup)
        if (
            tok.kind == "open"
            and tok.text in "({"
            and (tok.text == "(" or tok.end - tok.start == 1)
        ):
            self.take()
            return self.group(_CLOSING[tok.text])
        if tok.kind == "open" and tok.text == "[":
            self.take()
            return _fence("[", self.group("]"), "]")
        if tok.kind == "op" and tok.text == "*":
            self.take()
            return _mo("*")
        if tok.kind == "op" and tok.text in ("'", "-", "+", "∞"):
            self.take()
            return _mo(_OPERATORS.get(tok.text, tok.text)) if tok.text != "∞" else _mi("∞")
        if tok.kind in ("ident", "cmd"):
            if self.latex and tok.kind == "ident":
                self.take()
                return _mi(tok.text)
            return self.atom().xml
        raise MathsError(f"cannot read the script {tok.text!r}")

    def number(self, sup: bool) -> str:
        """A number; in an exponent ``7/2`` is one fraction (``eps^-7/2`` = eps^(-7/2))."""
        tok = self.take()
        if self.latex and len(tok.text) > 1 and "." not in tok.text:
            self.toks.insert(self.i, _Tok("num", tok.text[1:], tok.start + 1, tok.end))
            return _el("mn", tok.text[0])
        xml = _el("mn", tok.text)
        slash, den = self.peek(), self.peek(1)
        if (
            sup
            and not self.latex
            and slash is not None
            and slash.text == "/"
            and not slash.space
            and den is not None
            and den.kind == "num"
            and not den.space
        ):
            self.i += 2
            return _el("mfrac", xml, _el("mn", den.text))
        return xml

    def item(self) -> _Item:
        item = self.atom()
        while (tok := self.peek()) is not None and not tok.space:
            if tok.kind == "op" and tok.text == "^":
                self.take()
                script = self.script(sup=True)
                if item.base is not None:
                    item = _Item(_el("msubsup", item.base, item.sub, script))
                else:
                    item = _Item(_el("msup", item.xml, script))
            elif tok.kind == "op" and tok.text == "_":
                self.take()
                script = self.script(sup=False)
                item = _Item(_el("msub", item.xml, script), base=item.xml, sub=script)
            elif tok.kind == "sup":
                self.take()
                script = self.unicode_script(tok.text, _SUPERSCRIPTS)
                if item.base is not None:
                    item = _Item(_el("msubsup", item.base, item.sub, script))
                else:
                    item = _Item(_el("msup", item.xml, script))
            elif tok.kind == "sub":
                self.take()
                script = self.unicode_script(tok.text, _SUBSCRIPTS)
                item = _Item(_el("msub", item.xml, script), base=item.xml, sub=script)
            elif tok.kind == "op" and tok.text == "'":
                self.take()
                item = _Item(_el("msup", item.xml, _mo("′")))
            elif (
                tok.kind == "op"
                and tok.text == "*"
                and not self.latex
                and ((n := self.peek(1)) is None or n.space or n.kind in ("close", "comma", "open"))
            ):
                self.take()
                item = _Item(_el("msup", item.xml, _mo("*")))
            elif tok.kind == "op" and tok.text == "!":
                self.take()
                item = _Item(_row([item.xml, _mo("!")]))
            else:
                break
        return item

    @staticmethod
    def unicode_script(text: str, table: dict[str, str]) -> str:
        plain = "".join(table[c] for c in text)
        inner = _Parser(_tokens(plain)).parse()
        return inner


# -------------------------------------------------------------------------------- public API
def ascii_to_mathml(text: str, *, display: bool = False, alttext: str | None = None) -> str:
    """The claims' ASCII notation as one ``<math>`` element.

    Raises :class:`MathsError` when the text is not a formula this converter reads.
    """
    body = _Parser(_tokens(text)).parse()
    return _wrap(body, text if alttext is None else alttext, display)


def latex_to_mathml(tex: str, *, display: bool = False, alttext: str | None = None) -> str:
    """A small LaTeX subset (Greek, ``\\frac``, ``\\sqrt``, scripts, accents, ``\\mathrm``)
    as one ``<math>`` element; raises :class:`MathsError` on anything else."""
    body = _Parser(_tokens(tex, latex=True), latex=True).parse()
    return _wrap(body, tex if alttext is None else alttext, display)


def _symbol_mathml(name: str) -> str:
    """A SymPy symbol's name (``beta2``, ``Delta_F``, ``\\bar{y}_{t}``) as MathML."""
    try:
        if "\\" in name or "{" in name:
            return _Parser(_tokens(name, latex=True), latex=True).parse()
        if re.fullmatch(r"[^\W\d_][^\W_]*(?:_[^\W_]+)*", name):
            return _identifier(name)
    except MathsError:
        pass
    return _mi(name)


def _sympy_mathml(expr: Any) -> str:
    from xml.dom.minidom import parseString

    from sympy.printing.mathml import MathMLPresentationPrinter

    class _Printer(MathMLPresentationPrinter):
        def _print_Symbol(self, sym, style="plain"):  # noqa: ARG002 - SymPy's signature
            xml = _symbol_mathml(sym.name)
            return self.dom.importNode(parseString(xml).documentElement, True)

        _print_Dummy = _print_Symbol

    return _Printer({"order": "none"}).doprint(expr)


def _from_sympy_syntax(text: str) -> Any:
    """Parse ``str(expr)`` of a SymPy expression; every name is a plain symbol."""
    import sympy as sp
    from sympy.parsing.sympy_parser import parse_expr, standard_transformations

    known = {
        name: getattr(sp, name)
        for name in (
            "Add",
            "Mul",
            "Pow",
            "Integer",
            "Float",
            "Rational",
            "Symbol",
            "Eq",
            "Le",
            "Lt",
            "Ge",
            "Gt",
            "Ne",
            "sqrt",
            "exp",
            "log",
            "Abs",
            "sin",
            "cos",
            "tan",
            "Max",
            "Min",
            "Sum",
            "Product",
            "Limit",
            "Derivative",
            "Integral",
            "Function",
            "Tuple",
            "oo",
            "pi",
            "E",
            "I",
            "zoo",
            "nan",
            "factorial",
            "binomial",
            "floor",
            "ceiling",
            "sign",
        )
    }
    names = set(re.findall(r"[^\W\d]\w*", text)) - set(known)
    local = {name: sp.Symbol(name) for name in names}
    try:
        return parse_expr(
            text,
            local_dict=local,
            global_dict={"__builtins__": {}, **known},
            transformations=standard_transformations,
            evaluate=False,
        )
    except Exception as exc:  # noqa: BLE001 - any parse failure: not SymPy syntax
        raise MathsError(f"not a SymPy expression: {text!r}") from exc


def _looks_like_latex(text: str) -> bool:
    return bool(re.search(r"\\[A-Za-z]", text)) or bool(re.search(r"[\^_]\{", text))


_SYMPY_SYNTAX = re.compile(r"[\w\s+\-*/(),.]*")


def _looks_like_sympy(text: str) -> bool:
    """``str(expr)`` of a SymPy expression: ``**`` powers, names, numbers and calls only (no
    attribute access, indexing or strings: the text is evaluated by SymPy's parser)."""
    return (
        "**" in text
        and _SYMPY_SYNTAX.fullmatch(text) is not None
        and "__" not in text
        and re.search(r"\.\s*[^\W\d]", text) is None
    )


def to_mathml(expr: Any, *, display: bool = False, alttext: str | None = None) -> str:
    """One ``<math>`` element for a SymPy expression, a LaTeX string or the ASCII notation.

    Parameters
    ----------
    expr : sympy.Basic or str
        A SymPy expression (SymPy's presentation printer); a string with LaTeX commands; a
        string in SymPy's syntax (``**`` powers, read by :mod:`sympy.parsing.sympy_parser`);
        otherwise the claims' ASCII notation.
    display : bool
        A displayed (block) formula rather than an inline one.
    alttext : str, optional
        The text a reader without MathML gets (default: the input as written, or
        ``sympy.sstr`` of an expression).

    Returns
    -------
    str
        ``<math alttext="...">...</math>``. Input that cannot be read is kept whole as the
        element's text (``<mtext>``), escaped: nothing is dropped and nothing is markup.
    """
    try:
        import sympy as sp
    except ImportError:  # pragma: no cover - sympy is a dependency
        sp = None
    if sp is not None and isinstance(expr, sp.Basic):
        alt = sp.sstr(expr) if alttext is None else alttext
        try:
            return _wrap(_sympy_mathml(expr), alt, display)
        except Exception:  # noqa: BLE001 - an object SymPy's printer cannot print: its text
            return _wrap(_el("mtext", _t(alt)), alt, display)
    text = str(expr)
    alt = text if alttext is None else alttext
    readers = []
    if _looks_like_latex(text):
        readers.append(lambda: latex_to_mathml(text, display=display, alttext=alt))
    if _looks_like_sympy(text):
        readers.append(lambda: _wrap(_sympy_mathml(_from_sympy_syntax(text)), alt, display))
    readers.append(lambda: ascii_to_mathml(text, display=display, alttext=alt))
    for read in readers:
        try:
            return read()
        except Exception:  # noqa: BLE001 - MathsError, or deep nesting: the next reader
            continue
    return _wrap(_el("mtext", _t(text)), alt, display)


# ------------------------------------------------------------------------- formulas in text
_TRIM_END = {
    "=",
    "<=",
    ">=",
    "<",
    ">",
    "~",
    "->",
    "+",
    "-",
    "*",
    "/",
    "^",
    "_",
    "·",
    "±",
    "∈",
    "≤",
    "≥",
    "→",
    "'",
    "!",
    "|",
    "||",
    "√",
    "∇",
    "×",
}
_TRIM_START = _TRIM_END - {"-", "|", "||", "√", "∇"}


def _breaker(tok: _Tok) -> bool:
    if tok.kind == "ident":
        return not _ident_kind(tok.text)[0]
    return tok.kind in ("other", "cmd")


def _strong(tok: _Tok) -> bool:
    if tok.kind == "ident":
        return _ident_kind(tok.text)[1]
    if tok.kind in ("sup", "sub"):
        return True
    return tok.kind == "op" and tok.text in ("^", "_", "||", "√", "∇", "∑", "∈", "∞")


def _glued_word(tokens: list[_Tok], i: int) -> bool:
    """A token glued to a word by a hyphen or a dot: "beta-OMD", "delta-method", "w.p."."""
    tok = tokens[i]
    nxt = tokens[i + 1] if i + 1 < len(tokens) else None
    after = tokens[i + 2] if i + 2 < len(tokens) else None
    prev = tokens[i - 1] if i > 0 else None
    before = tokens[i - 2] if i > 1 else None
    if nxt is not None and not nxt.space and after is not None and not after.space:
        if (
            nxt.text in ("-", ".")
            and after.kind == "ident"
            and (nxt.text == "." or _breaker(after))
        ):
            return True
    if (
        prev is not None
        and not tok.space
        and prev.text == "-"
        and before is not None
        and not prev.space
        and before.kind == "ident"
        and _breaker(before)
    ):
        return True
    # the s of "theorem's"
    return prev is not None and not tok.space and prev.kind == "other" and prev.text == "'"


def _runs(tokens: list[_Tok]) -> list[list[_Tok]]:
    """Maximal runs of tokens that can belong to a formula."""
    runs: list[list[_Tok]] = []
    run: list[_Tok] = []
    depth = 0

    def close() -> None:
        nonlocal run, depth
        if run:
            runs.append(run)
        run, depth = [], 0

    for i, tok in enumerate(tokens):
        joins = (
            not _breaker(tok)
            and not (tok.kind == "comma" and depth <= 0)
            and not (tok.kind in ("ident", "num") and _glued_word(tokens, i))
        )
        # "2 x threshold", "8 x 8": the letter x between a number and a word means "times"
        if (
            joins
            and tok.kind == "ident"
            and tok.text == "x"
            and tok.space
            and run
            and run[-1].kind == "num"
            and i + 1 < len(tokens)
            and tokens[i + 1].space
        ):
            joins = False
        if joins and run and tok.space:
            last = run[-1]
            operator = last.kind in ("op", "open", "comma") and last.text != "'"
            # a parenthesis after a space continues a formula only after an operator:
            # "T ~ (G+sigma)²" does, "1 - O(n^-3.5) (2022)" does not take the year in
            if tok.kind == "open" and tok.text == "(" and not operator:
                close()
            # "eps 1e-8", "N=31622 3.3e-04": a number after a space follows a variable or a
            # number only in a list, not in a product ("ln 2" is a function)
            elif (
                tok.kind == "num"
                and last.kind in ("ident", "num", "close", "sup", "sub")
                and not (last.kind == "ident" and last.text in _FUNCTIONS)
            ):
                close()
        if joins:
            run.append(tok)
            depth += (tok.kind == "open") - (tok.kind == "close")
        else:
            close()
    close()
    return runs


def _balanced(run: list[_Tok]) -> list[list[_Tok]]:
    """Split a run at its unmatched brackets."""
    stack: list[int] = []
    bad: set[int] = set()
    for i, tok in enumerate(run):
        if tok.kind == "open":
            stack.append(i)
        elif tok.kind == "close":
            if stack and _CLOSING[run[stack[-1]].text] == tok.text:
                stack.pop()
            else:
                bad.add(i)
    bad.update(stack)
    parts, part, depth = [], [], 0
    for i, tok in enumerate(run):
        if i in bad:
            tok = None
        elif tok.kind == "open":
            depth += 1
        elif tok.kind == "close":
            depth -= 1
        if tok is None or (tok.kind == "comma" and depth == 0):
            if part:
                parts.append(part)
            part = []
        else:
            part.append(tok)
    if part:
        parts.append(part)
    return parts


def _trim(part: list[_Tok]) -> list[_Tok]:
    while part and (
        part[-1].kind == "comma"
        or (part[-1].kind == "op" and part[-1].text in _TRIM_END)
        or (part[-1].kind == "ident" and part[-1].text in _FUNCTIONS)
    ):
        part = part[:-1]
    while part and (
        part[0].kind == "comma"
        or (part[0].kind == "op" and part[0].text in _TRIM_START)
        or (part[0].kind == "op" and part[0].text in ("-", "+") and len(part) > 1 and part[1].space)
    ):
        part = part[1:]
    return part


def _is_formula(part: list[_Tok]) -> bool:
    if any(_strong(t) for t in part):
        return True
    # a relation between a variable and a number: "C = 4", "n >= 3"
    relation = any(t.kind == "op" and t.text in _RELATIONS for t in part)
    return (
        relation
        and any(t.kind == "ident" for t in part)
        and any(t.kind == "num" or t.text in ("inf", "∞") for t in part)
    )


def math_spans(text: str) -> list[tuple[int, int]]:
    """``(start, end)`` of the spans of ``text`` that are formulas this module renders."""
    spans = []
    for run in _runs(_tokens(text)):
        for part in _balanced(run):
            part = _trim(part)
            if not part or not _is_formula(part):
                continue
            start, end = part[0].start, part[-1].end
            try:
                ascii_to_mathml(text[start:end])
            except (MathsError, RecursionError):
                continue
            spans.append((start, end))
    return spans


# inline formulas longer than this get their own horizontally scrolling box
WIDE = 40


def inline_html(text: Any) -> str:
    """Escaped HTML of ``text`` with its formula spans as inline MathML.

    A formula longer than :data:`WIDE` characters sits in ``<span class="mwide">``, which the
    report's CSS lets scroll sideways instead of overflowing its box. Whatever goes wrong
    while reading a span leaves that span as plain text: this never raises and never drops a
    character (each ``<math>``'s ``alttext`` is its source, exactly).
    """
    text = "" if text is None else str(text)
    try:
        spans = math_spans(text)
    except Exception:  # noqa: BLE001 - the text is shown whatever happens
        spans = []
    out, at = [], 0
    for start, end in spans:
        source = text[start:end]
        try:
            xml = ascii_to_mathml(source)
        except Exception:  # noqa: BLE001 - shown as text below
            continue
        out.append(escape(text[at:start], quote=True))
        out.append(f'<span class="mwide">{xml}</span>' if len(source) > WIDE else xml)
        at = end
    out.append(escape(text[at:], quote=True))
    return "".join(out)
