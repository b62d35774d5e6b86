"""Sphinx extension: write ``docs/generated/`` from the code at build time.

* ``generated/claims/``: one page per registered claim, from :meth:`Claim.describe` of every
  entry of :data:`adamtheory.claims.REGISTRY`, and an index table. Formulas in a claim's
  statement, rule and negative control are inline MathML (the ``{mathml}`` role, from
  :mod:`adamtheory.report.maths`). Each page shows the latest measurement (numbers, the
  sensitivity table, the figure) from a ``results.json`` that ``adamtheory verify --out DIR``
  wrote (``ADAMTHEORY_DOCS_RESULTS=DIR/results.json``), else from the result cache of a quick
  run at seed 0 (read only: the build never runs a claim), else says "not yet measured";
* ``generated/theory/``: the theory pages. Every displayed formula is ``sympy.latex`` of an
  expression that :mod:`adamtheory.theory` builds (nothing is retyped), and every number in
  them is computed by the theory functions during the build;
* ``generated/notebooks/``: copies of ``notebooks/*.ipynb``, which myst-nb executes.

Files are rewritten only when their content changes, so incremental builds stay incremental.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import re
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import sympy as sp
from docutils import nodes

GENERATED = "generated"
_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|$#~{}&!])")
#: results.json (or the directory holding it) whose numbers the claim pages show; "none": none
RESULTS_ENV = "ADAMTHEORY_DOCS_RESULTS"
NOT_MEASURED = (
    "Not yet measured: run `adamtheory verify --out DIR` and set "
    f"`{RESULTS_ENV}=DIR/results.json` before building the documentation (or run "
    "`adamtheory verify`, whose result cache a build reads for a quick run at "
    "seed 0). The build itself never runs a claim."
)


# --------------------------------------------------------------------------------- markup helpers
def md_escape(text: str) -> str:
    """Plain text -> one MyST paragraph line: Markdown punctuation backslash-escaped."""
    text = " ".join(str(text).split())
    text = _MD_SPECIAL.sub(r"\\\1", text)
    # a leading "1." or "-" would start a list, a leading "+" too
    return re.sub(r"^(\d+)\.", r"\1\\.", re.sub(r"^([-+])", r"\\\1", text))


def md_maths(text: str, *, table: bool = False) -> str:
    """Like :func:`md_escape`, with the formula spans as ``{mathml}`` roles (inline MathML).

    In a table cell a formula holding ``|`` stays text (the bar would end the cell).
    """
    from adamtheory.report.maths import math_spans

    text = " ".join(str(text).split())
    out, at = [], 0
    for start, end in math_spans(text):
        source = text[start:end]
        if "`" in source or (table and "|" in source):
            continue
        out += [_MD_SPECIAL.sub(r"\\\1", text[at:start]), f"{{mathml}}`{source}`"]
        at = end
    out.append(_MD_SPECIAL.sub(r"\\\1", text[at:]))
    line = "".join(out)
    return re.sub(r"^(\d+)\.", r"\1\\.", re.sub(r"^([-+])", r"\\\1", line))


class mathml_literal(nodes.literal):  # noqa: N801 - docutils node classes are lower case
    """An ASCII formula: MathML in HTML, the ASCII text elsewhere (as a ``literal``)."""


def mathml_role(
    name: str,
    rawtext: str,
    text: str,
    lineno: int,
    inliner: Any,
    options: dict | None = None,
    content: list | None = None,
) -> tuple:
    """``{mathml}`eps^-7/2``` : the claims' ASCII notation as inline MathML."""
    return [mathml_literal(rawtext, text)], []


def visit_mathml_html(self: Any, node: mathml_literal) -> None:
    from adamtheory.report.maths import WIDE, ascii_to_mathml

    source = node.astext()
    try:
        xml = ascii_to_mathml(source)
    except Exception:  # noqa: BLE001 - a formula that cannot be read is shown as text
        self.body.append(self.encode(source))
    else:
        self.body.append(f'<span class="mwide">{xml}</span>' if len(source) > WIDE else xml)
    raise nodes.SkipNode


def math_block(*equations: str) -> str:
    """A displayed ``{math}`` block, one equation per blank-line-separated part."""
    body = "\n\n".join(equations)
    return f"```{{math}}\n{body}\n```\n"


def m(tex: str) -> str:
    """Inline math (MyST ``dollarmath``)."""
    return f"${tex}$"


def latex(expr: Any) -> str:
    return sp.latex(expr)


def eq(lhs: str, expr: Any) -> str:
    """``lhs = <SymPy expression>``; ``lhs`` names the quantity, the right side is SymPy's."""
    return f"{lhs} = {latex(expr)}"


def table(header: Iterable[str], rows: Iterable[Iterable[str]]) -> str:
    header = list(header)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def write_if_changed(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text(encoding="utf-8") != text:
        path.write_text(text, encoding="utf-8")


# ------------------------------------------------------------------------------------ claim pages
def theory_used(claim: Any) -> list[str]:
    """Short names of the :mod:`adamtheory.theory` modules a claim's check or control uses.

    Follows the names their code refers to, through helper functions of the claims and analysis
    packages.
    """
    found: set[str] = set()
    seen: set[Any] = set()
    stack = [
        claim.check,
        claim.evaluate,
        *(
            getattr(p, "evaluate", None) or getattr(p, "transform", None)
            for p in getattr(claim, "sensitivity", ())
        ),
    ]
    while stack:
        fn = stack.pop()
        code = getattr(fn, "__code__", None)
        if code is None or fn in seen:
            continue
        seen.add(fn)
        names, codes = set(), [code]
        while codes:
            current = codes.pop()
            names.update(current.co_names)
            codes.extend(c for c in current.co_consts if inspect.iscode(c))
        for name in names:
            obj = fn.__globals__.get(name)
            module = (
                obj.__name__ if inspect.ismodule(obj) else getattr(obj, "__module__", None) or ""
            )
            if module.startswith("adamtheory.theory."):
                found.add(module.rsplit(".", 1)[1])
            elif inspect.isfunction(obj) and module.startswith(
                ("adamtheory.claims", "adamtheory.analysis")
            ):
                stack.append(obj)
    return sorted(found)


def theory_page_of(module: str, pages: Iterable[str]) -> str | None:
    """The theory page showing a theory module (``o2nc_rates`` is on the ``o2nc`` page)."""
    return next((p for p in pages if module == p or module.startswith(p + "_")), None)


def claim_page(claim: Any, theory_pages: set[str], measured: list[str] | None = None) -> str:
    """The Markdown page of a claim; ``measured``: its measurement section's lines (default:
    "not yet measured")."""
    d = claim.describe()
    module = importlib.import_module((claim.check or claim.evaluate).__module__)
    reported = bool(d.get("reported", False))
    lines = [f"({_claim_label(d['id'])})=", f"# {d['id']}: {md_escape(d['title'])}", ""]
    if reported:
        lines += [
            "**Reported, not pass/fail.** This claim reports measurements (with their "
            "intervals) and has no verdict rule and no negative control: its verdict is "
            "`reported` (or `error` if the run crashes), and `adamtheory verify` does not "
            "fail on it.",
            "",
        ]
    for field, heading in (
        ("statement", "Statement"),
        ("source", "Source"),
        (
            "rule",
            "What is reported (fixed before the run)"
            if reported
            else "Verdict rule (fixed before the run)",
        ),
        ("negative_control", "Negative control" if reported else "Negative control (must fail)"),
    ):
        lines += [f"**{heading}.** {md_maths(d[field])}", ""]
    if d.get("sensitivity"):
        lines += [
            "**Sensitivity (declared before the run).** Perturbations of the theory, each "
            "judged by the same rule against the same measurement (a *prediction* entry) "
            "or on a re-run with the assumption violated (an *assumption* entry); a "
            "perturbation is detected when its verdict is `fail`, and a required one that "
            "is not makes the claim *weak*.",
            "",
            table(
                ["perturbation", "target", "kind", "required"],
                [
                    (
                        md_maths(e["perturbation"], table=True)
                        + (" (negative control)" if e["control"] else ""),
                        md_escape(e["target"]),
                        e["kind"],
                        "yes" if e["required"] else "no",
                    )
                    for e in d["sensitivity"]
                ],
            ),
            "",
        ]
    lines += [f"**Provenance.** `{d['provenance']}` (see {{ref}}`provenance`).", ""]
    theory = sorted(
        {page for t in theory_used(claim) if (page := theory_page_of(t, theory_pages)) is not None}
    )
    if theory:
        links = ", ".join(f"{{doc}}`/{GENERATED}/theory/{t}`" for t in theory)
        lines += [f"**Theory pages.** {links}.", ""]
    defined = "The check is" if reported else "The evaluation and its perturbations are"
    lines += [
        f"**Code.** {defined} defined in {{py:mod}}`{module.__name__}`.",
        "",
        "**Run it.**",
        "",
        "```bash",
        f"adamtheory verify --claim {d['id']}",
        f"adamtheory verify --claim {d['id']} --profile full --seed 1",
        "```",
        "",
    ]
    lines += measured if measured is not None else ["## Latest measurement", "", NOT_MEASURED, ""]
    return "\n".join(lines)


# ------------------------------------------------------------------ measured numbers on claim pages
class Measurements:
    """Results (``results.json`` form) by claim id, and where they come from.

    A plain class, not a dataclass: tests load this file without registering it as a module.
    """

    def __init__(
        self,
        results: dict[str, dict[str, Any]],
        origin: str,
        directory: Path | None = None,
        meta: dict[str, Any] | None = None,
    ):
        self.results = results
        self.origin = origin
        #: the directory of the ``results.json`` (its figures/ are relative to it), if any
        self.directory = directory
        self.meta = meta or {}


def cached_results(
    claims: Iterable[Any],
    *,
    profile: str = "quick",
    seed: int = 0,
    backend: str = "auto",
    cache_dir: str | Path | None = None,
) -> dict[str, dict[str, Any]]:
    """The results that :func:`adamtheory.verify` (same profile, seed, backend) left in the
    result cache, looked up and never computed: the key is built as ``verify`` builds it."""
    from adamtheory.kernels import environment
    from adamtheory.report import ResultCache, cache_key, default_cache_dir, source_digest

    try:  # how verify resolves the backend (tests/test_docs.py checks that the keys agree)
        from adamtheory.report.preflight import plan_backend
    except ImportError:  # an older layout: the kernels' own resolution
        from adamtheory.kernels import resolve_backend
        from adamtheory.kernels.sweeps import _select

        resolved = resolve_backend(backend)
        array, device, sweep = resolved.name, resolved.device, _select(backend, gpu_kernel=True)
    else:
        plan = plan_backend(backend)
        array, device, sweep = plan.array, plan.device, plan.sweep
    env = environment(array, device) | {"source_digest": source_digest()}
    backends = {"requested": backend, "array": array, "device": device, "sweep": sweep}
    cache = ResultCache(Path(cache_dir) if cache_dir is not None else default_cache_dir())
    found = {}
    for claim in claims:
        key = cache_key(
            claim.describe(),
            profile=profile,
            seed=seed,
            backend=backends,
            environment=env,
            source=env["source_digest"],
        )
        result = cache.load(key)
        if result is not None:
            found[claim.id] = result
    return found


def load_measurements(setting: str, claims: Iterable[Any]) -> Measurements | None:
    """The numbers the claim pages show.

    ``setting`` (``adamtheory_results``, default ``$ADAMTHEORY_DOCS_RESULTS``): a
    ``results.json`` written by ``adamtheory verify --out DIR``, or DIR itself; ``"none"``
    shows none; empty: whatever the result cache holds for a quick run at seed 0.
    Raises ``ValueError`` for a file that is missing or is not a results.json.
    """
    claims = list(claims)
    setting = (setting or "").strip()
    if setting.lower() == "none":
        return None
    if setting:
        path = Path(setting).expanduser()
        if path.is_dir():
            path = path / "results.json"
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
            results = {r["id"]: r for r in payload["claims"]}
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ValueError(
                f"{RESULTS_ENV}={setting}: not a results.json written by "
                f"`adamtheory verify --out DIR` ({type(exc).__name__}: {exc})"
            ) from None
        env = payload.get("environment", {})
        meta = {
            "profile": payload.get("profile"),
            "seed": payload.get("seed"),
            "created": payload.get("created"),
            "adamtheory": env.get("adamtheory"),
            "backend": env.get("backend"),
        }
        return Measurements(
            results, f"`results.json` of `adamtheory verify` ({RESULTS_ENV})", path.parent, meta
        )
    results = cached_results(claims)
    if not results:
        return None
    from adamtheory import __version__

    return Measurements(
        results,
        "the result cache (`adamtheory verify`, quick profile, seed 0)",
        None,
        {"profile": "quick", "seed": 0, "adamtheory": __version__},
    )


def _figure_png(claim: Any, result: dict[str, Any], measurements: Measurements) -> bytes | None:
    """The claim's figure: the PNG next to results.json, else drawn from the result's values."""
    if measurements.directory is not None and result.get("figure"):
        path = measurements.directory / result["figure"]
        if path.is_file():
            return path.read_bytes()
    if claim.figure is None or "error" in result.get("values", {}):
        return None
    from adamtheory.report import render_figure

    image = render_figure(claim.figure, result.get("values", {}))
    return image if isinstance(image, bytes) else None


def _cell(value: Any, *, maths: bool = True) -> str:
    """A table cell: formulas as MathML (statements, predictions), or plain (measurements)."""
    if value in (None, ""):
        return "–"
    return md_maths(value, table=True) if maths else md_escape(value)


def measurement_lines(
    claim: Any, result: dict[str, Any], measurements: Measurements, figure: str | None
) -> list[str]:
    """The "Latest measurement" section of a claim page (Markdown lines)."""
    d = claim.describe()
    meta = measurements.meta
    where = ", ".join(
        part
        for part in (
            f"profile {meta['profile']}" if meta.get("profile") else "",
            f"seed {meta['seed']}" if meta.get("seed") is not None else "",
            f"adamtheory {meta['adamtheory']}" if meta.get("adamtheory") else "",
            f"backend {meta['backend']}" if meta.get("backend") else "",
            f"run {meta['created']}" if meta.get("created") else "",
        )
        if part
    )
    lines = [
        "## Latest measurement",
        "",
        f"From {measurements.origin}" + (f": {md_escape(where)}." if where else "."),
        "",
    ]
    if any(
        " ".join(str(result.get(k, "")).split()) != " ".join(str(d[k]).split())
        for k in ("statement", "rule")
    ):
        lines += [
            "**Note.** These numbers were measured for an earlier wording of this "
            "claim's statement or rule.",
            "",
        ]
    control = result.get("control", {})
    rows = [
        (
            "verdict",
            f"**{result['verdict']}**"
            + (f" ({md_escape(result['message'])})" if result.get("message") else ""),
        ),
        ("predicted", _cell(result.get("predicted"))),
        ("measured", _cell(result.get("measured"), maths=False)),
    ]
    decision = result.get("decision") or {}
    if decision.get("estimate") is not None:
        interval = decision.get("interval")
        rows.append(
            (
                "estimate",
                f"{decision['estimate']:.6g}"
                + (f" [{interval[0]:.6g}, {interval[1]:.6g}]" if interval else "")
                + (
                    f" (threshold {decision['threshold']:.6g})"
                    if isinstance(decision.get("threshold"), (int, float))
                    else ""
                ),
            )
        )
    for interval in result.get("intervals") or ():
        rows.append(("interval", md_escape(interval)))
    if control.get("fired") is not None:
        rows.append(
            (
                "negative control",
                f"`{control.get('verdict')}` ("
                + ("fired" if control["fired"] else "**did not fire**")
                + "): "
                + _cell(control.get("measured"), maths=False),
            )
        )
    rows.append(("run time", f"{float(result.get('seconds', 0.0)):.2f} s"))
    lines += [table(["quantity", "value"], rows), ""]
    parts = decision.get("parts") or {}
    if parts:
        lines += [
            "Parts of the rule:",
            "",
            table(
                ["part", "verdict", "measured"],
                [
                    (
                        f"`{name}`",
                        f"`{part.get('verdict')}`",
                        _cell(part.get("summary"), maths=False),
                    )
                    for name, part in parts.items()
                ],
            ),
            "",
        ]
    sensitivity = result.get("sensitivity") or []
    if sensitivity:
        found = sum(bool(e.get("detected")) for e in sensitivity)
        lines += [
            f"**Sensitivity (this run).** {found}/{len(sensitivity)} perturbations "
            "detected"
            + ("; **weak**: a required perturbation was not detected" if result.get("weak") else "")
            + ".",
            "",
            table(
                ["perturbation", "target", "kind", "verdict", "detected", "measured"],
                [
                    (
                        _cell(e.get("perturbation"))
                        + (" (negative control)" if e.get("control") else ""),
                        _cell(e.get("target"))
                        + ("" if e.get("required", True) else " (aspirational)"),
                        str(e.get("kind", "")),
                        f"`{e.get('verdict')}`",
                        "yes" if e.get("detected") else "**no**",
                        _cell(e.get("summary"), maths=False),
                    )
                    for e in sensitivity
                ],
            ),
            "",
        ]
    if figure is not None:
        lines += [f"![{md_escape(claim.id + ': ' + claim.title)}]({figure})", ""]
    return lines


def _claim_label(claim_id: str) -> str:
    return "claim-" + claim_id.lower()


def claims_index(registry: tuple[Any, ...], measurements: Measurements | None = None) -> str:
    results = {} if measurements is None else measurements.results
    rows = [
        (
            f"{{ref}}`{c.id} <{_claim_label(c.id)}>`",
            md_maths(c.title, table=True)
            + (" (*reported*)" if getattr(c, "reported", False) else ""),
            f"`{c.provenance}`",
            md_escape(c.source),
            f"`{results[c.id]['verdict']}`" if c.id in results else "not yet measured",
        )
        for c in registry
    ]
    measured = (
        f" The last column is the verdict of the latest measurement, from {measurements.origin}."
        if measurements is not None
        else " " + NOT_MEASURED
    )
    return "\n".join(
        [
            "# The claims",
            "",
            "Generated from `adamtheory.claims.REGISTRY` when these pages are built: one page per "
            "registered claim, with its statement, source, provenance tag, the verdict rule fixed "
            "before the run and the negative control that must fail (a claim marked *reported* "
            "reports measurements instead, with neither). `adamtheory claims` prints the "
            "same registry; `adamtheory claims --json` prints these fields as JSON." + measured,
            "",
            table(["claim", "title", "provenance", "source", "latest verdict"], rows),
            "```{toctree}",
            ":hidden:",
            "",
            *(c.id for c in registry),
            "```",
            "",
        ]
    )


def write_claim_pages(
    out: Path, theory_pages: set[str], measurements: Measurements | None = None
) -> None:
    from adamtheory.claims import REGISTRY
    from adamtheory.report.fields import figure_name

    figures = out / "figures"
    kept: set[str] = set()
    for claim in REGISTRY:
        result = None if measurements is None else measurements.results.get(claim.id)
        measured = None
        if result is not None:
            png = _figure_png(claim, result, measurements)
            name = None
            if png is not None:
                name = figure_name(claim.id)
                kept.add(name)
                target = figures / name
                figures.mkdir(parents=True, exist_ok=True)
                if not target.exists() or target.read_bytes() != png:
                    target.write_bytes(png)
            measured = measurement_lines(
                claim, result, measurements, None if name is None else f"figures/{name}"
            )
        write_if_changed(out / f"{claim.id}.md", claim_page(claim, theory_pages, measured))
    write_if_changed(out / "index.md", claims_index(REGISTRY, measurements))
    _remove_stale(out, {f"{c.id}.md" for c in REGISTRY} | {"index.md"})
    _remove_stale(figures, kept)


# ----------------------------------------------------------------------------------- theory pages
def page_divergence() -> str:
    from adamtheory.theory import divergence as dv

    m_j, v_j = dv.stationary_moments()
    u_j = dv.summand()
    mu = sp.Sum(u_j, (dv.j, 0, dv.n - 1))
    residuals = dv.fixed_point_residuals()
    rows = []
    for n_value in (10, 50, 100):
        star = float(dv.beta2_boundary([0.0], n_value)[0])
        rows.append(
            (str(n_value), f"{star:.6f}", f"{1 - star:.3e}", f"{(1 - star) * n_value**2:.3f}")
        )
    return "\n".join(
        [
            "# Drift on the one-big-gradient counterexample (Z22)",
            "",
            "Source: {py:mod}`adamtheory.theory.divergence`; "
            "{ref}`§3.1 <theory-3.1>`–{ref}`§3.2 <theory-3.2>`. In the linear "
            r"region, ε = 0 Adam sees only the ratio $r = c/a$ of the big to the small "
            r"gradients. An epoch moves x by about $-\eta_k\mu$, where the **drift** μ is the "
            r"stationary per-epoch sum of $u = m/\sqrt{v}$: $\mu<0$ means divergence, "
            r"$\mu>0$ convergence to $x^* = -2$.",
            "",
            "## Cyclic order: the stationary moments",
            "",
            "SymPy sums the geometric series of past gradients (one $r$ at phase 0, $-1$ "
            "elsewhere) and simplifies:",
            "",
            math_block(eq("m_j", m_j), eq("v_j", v_j)),
            f"Substituting them into Adam's recursions leaves the residuals {m(latex(residuals))} "
            "(phases j ≥ 1 and the wrap-around to phase 0, for m and v), so they are the periodic "
            "fixed point. The drift is the sum of the stationary directions:",
            "",
            math_block(eq(r"\mu_{\mathrm{cyc}}", mu)),
            "## Limits proved by SymPy",
            "",
            math_block(
                eq(r"\mu\big|_{\beta_1\to0,\ \beta_2\to0}", dv.drift_at_zero()),
                eq(r"\lim_{\beta_2\to1}\mu_{\mathrm{cyc}}", dv.drift_limit_beta2_to_one()),
            ),
            "So sign descent diverges iff n ≥ 3 (claim {ref}`Z-SIGN <claim-z-sign>`), and the "
            "drift turns positive as β2 → 1 for r = n.",
            "",
            "## The upper edge of the region at β1 = 0 (a = 1, cyclic)",
            "",
            "Computed during this build by {py:func}`adamtheory.theory.divergence.beta2_boundary` "
            "(root of the lambdified drift):",
            "",
            table([m(r"n"), m(r"\beta_2^*"), m(r"1-\beta_2^*"), m(r"n^2(1-\beta_2^*)")], rows),
            "Shuffle and iid orders have no closed form: their drift is simulated by "
            "{py:func}`adamtheory.kernels.sweeps.drift_estimate` with a confidence interval "
            "(see {doc}`/divergence` and the {doc}`divergence atlas notebook "
            f"</{GENERATED}/notebooks/divergence_atlas>`).",
            "",
        ]
    )


def page_ema() -> str:
    from adamtheory.theory import ema

    a_t, b_t = ema.recursion_coefficients()
    ybar, ybar_prev, y_t = sp.symbols(r"\bar{y}_{t} \bar{y}_{t-1} y_{t}")
    tau_body, tau_last = ema.amc25_tau_probability()
    return "\n".join(
        [
            "# Model EMA and the output index (AMC25)",
            "",
            "Source: {py:mod}`adamtheory.theory.ema`; "
            "{ref}`§1.4 <theory-1.4>`–{ref}`§1.5 <theory-1.5>`. The normalised EMA of "
            f"iterates {m('y_s')} gives weight",
            "",
            math_block(eq("w_{t,s}", ema.weight())),
            "to the iterate of step s. SymPy inverts the closed form at t − 1 and derives the "
            "exact recursion",
            "",
            math_block(latex(sp.Eq(ybar, a_t * ybar_prev + b_t * y_t))),
            "and sums the weights: " + m(eq(r"\sum_{s=1}^{t} w_{t,s}", ema.weights_total())) + ".",
            "",
            "AMC25 Definition 4 draws the output index τ with",
            "",
            math_block(eq(r"\Pr(\tau=t)", tau_body) + r"\quad (t<T)", eq(r"\Pr(\tau=T)", tau_last)),
            f"and SymPy's sum of this law is {m(latex(ema.amc25_tau_total()))}. Claim "
            "{ref}`EMA-REC <claim-ema-rec>` checks the kernels' EMA against the closed form.",
            "",
        ]
    )


def page_ftrl() -> str:
    from adamtheory.theory import ftrl

    S, Q = ftrl.discounted_sums()
    alpha = ftrl.step_factor()
    bc = ftrl.bias_correction_factor()
    delta = sp.Symbol(r"\Delta")
    objective = sp.Symbol("S_t") * delta + delta**2 / (2 * sp.Symbol(r"\eta_t"))
    clip = sp.Function("clip_D")
    update = -clip(ftrl.D * alpha * ftrl.m / sp.sqrt(ftrl.v))
    return "\n".join(
        [
            "# Clipped Adam as clipped β-FTRL (FTRL24, AC24)",
            "",
            "Source: {py:mod}`adamtheory.theory.ftrl`; {ref}`§1.3 <theory-1.3>`. "
            "The β-FTRL step minimises",
            "",
            math_block(latex(objective)),
            r"with the discounted sums $S_t = \sum_s\beta^{t-s}g_s$ and "
            r"$Q_t = \sum_s\beta^{2(t-s)}g_s^2$, $\eta_t = D/\sqrt{Q_t}$. Matching one step of "
            r"Adam's recursions ($\beta_1=\beta,\ \beta_2=\beta^2$) gives, in terms of Adam's "
            "moments m and v,",
            "",
            math_block(eq("S_t", S), eq("Q_t", Q)),
            "and solving the first-order condition gives the step factor",
            "",
            math_block(eq(r"\alpha/D", alpha), eq(r"(\alpha/D)^2", sp.factor(alpha**2))),
            "so clipped Adam's increment is",
            "",
            math_block(eq(r"\Delta_t", update)),
            "(coordinate-wise clipping for the box, or the ball's radial clip). With "
            r"$\beta_2 = \beta_1^2$ bias correction is a scalar factor on every coordinate:",
            "",
            math_block(eq(r"\frac{\hat m_t/\sqrt{\hat v_t}}{m_t/\sqrt{v_t}}", bc)),
            "Claims {ref}`FTRL-EQ <claim-ftrl-eq>` and {ref}`FTRL-BC <claim-ftrl-bc>` check both "
            "against a generic solver and the kernels; the "
            f"{{doc}}`FTRL notebook </{GENERATED}/notebooks/ftrl_equivalence>` walks through them.",
            "",
        ]
    )


def _exponents(exps: dict) -> str:
    names = {"epsilon": r"\varepsilon", "lambda": r"\lambda", "delta": r"\delta"}
    return m(r"\,".join(f"{names[k]}^{{{latex(v)}}}" for k, v in exps.items()))


def page_o2nc() -> str:
    from adamtheory.theory import o2nc, o2nc_rates

    residuals = {T: o2nc.discounted_to_dynamic_residual(T) for T in (1, 2, 3, 4)}
    omd = {T: o2nc.omd_heavy_ball_residual(T) for T in (1, 2, 3, 4)}
    rand = o2nc.randomisation_residuals()
    choice = o2nc_rates.parameter_choice()
    t_main, t_noise = o2nc_rates.threshold_terms()
    shares = o2nc_rates.term_shares()
    dims = o2nc.dimension_report()
    dims_text = o2nc.dimension_report(mu_power=2)

    def dim_row(name: str, entry: dict, control: dict) -> tuple[str, ...]:
        terms = ", ".join("?" if t is None else f"({t[0]}, {t[1]})" for t in entry["terms"])
        return (
            md_escape(name),
            terms,
            str(tuple(entry["expected"])),
            "yes" if entry["consistent"] else "**no**",
            "yes" if control[name]["consistent"] else "**no**",
        )

    def rate_rows(mu_power: int) -> list[tuple[str, ...]]:
        return [
            (
                md_escape(r["setting"]),
                _exponents(r["derived"]),
                _exponents(r["lower_bound"]),
                md_escape(r["lower_bound_source"]),
                "yes" if r["optimal"] else "**no**",
            )
            for r in o2nc_rates.rate_table(mu_power)
        ]

    return "\n".join(
        [
            "# Online-to-nonconvex conversion (O2NC)",
            "",
            "Sources: {py:mod}`adamtheory.theory.o2nc`, {py:mod}`adamtheory.theory.o2nc_rates`; "
            "{ref}`§1.5 <theory-1.5>` and {ref}`§4 <theory-4>`. See also {doc}`/o2nc` for what "
            "the claims found.",
            "",
            "## Identities (exact residuals computed by SymPy)",
            "",
            table(
                ["identity", "T = 1", "T = 2", "T = 3", "T = 4"],
                [
                    (
                        "discounted-to-dynamic regret (LHS − RHS)",
                        *(m(latex(residuals[T])) for T in (1, 2, 3, 4)),
                    ),
                    (
                        "β-OMD vs heavy ball (sum of squared differences)",
                        *(m(latex(omd[T])) for T in (1, 2, 3, 4)),
                    ),
                ],
            ),
            "The randomisation identities for the cosine family "
            r"$\varphi(s) = \cos(as + b)$, integrated exactly (the variant without the weight "
            "2 − s is the negative control of claim {ref}`RAND-ID <claim-rand-id>`):",
            "",
            table(
                ["identity", "residual", "holds"],
                [(f"`{k}`", m(latex(v)), "yes" if v == 0 else "**no**") for k, v in rand.items()],
            ),
            "## Dimensional analysis",
            "",
            "Each term's dimension as exponents of (function value, length), found by rescaling "
            "the symbols ({py:func}`adamtheory.theory.o2nc.term_dimensions`). The last column "
            r"uses the text's $\mu D^2$ in Lemma 3.1 instead of $\mu D$.",
            "",
            table(
                ["bound", "term dimensions", "expected", "consistent", r"with $\mu D^2$"],
                [dim_row(k, v, dims_text) for k, v in dims.items()],
            ),
            "## From the conversion bound to the rate table",
            "",
            "Step 1, the bound on the expected λ-stationarity of the EMA output:",
            "",
            math_block(eq("B(\\beta, D, T)", o2nc_rates.bound())),
            "Step 2, the parameters that balance its terms:",
            "",
            math_block(*(eq(latex(k), v) for k, v in choice.items())),
            "and the two requirements on T, of which SymPy finds the first dominant as ε → 0:",
            "",
            math_block(
                eq("T_1", t_main),
                eq("T_2", t_noise),
                eq(r"T_{\text{leading}}", o2nc_rates.leading_threshold()),
            ),
            "Each group of terms of B at these choices, divided by ε:",
            "",
            table(
                ["terms", "share of ε"], [(md_escape(k), m(latex(v))) for k, v in shares.items()]
            ),
            "so "
            + m(eq(r"\lim_{\varepsilon\to0} B/\varepsilon", o2nc_rates.total_share_limit()))
            + ".",
            "",
            "Step 3, the exponents of the threshold after each reduction, against the published "
            "lower bounds (exact rationals):",
            "",
            table(["setting", "derived T ∝", "lower bound", "source", "optimal"], rate_rows(1)),
            r"The same derivation with the text's $\mu D^2$ would beat the lower bounds, "
            "which is impossible (claim {ref}`O2NC-TABLE <claim-o2nc-table>`'s control):",
            "",
            table(["setting", "derived T ∝", "lower bound", "source", "optimal"], rate_rows(2)),
        ]
    )


_R18_POINTS = ((0.0, 0.3), (0.0, 0.9), (0.5, 0.9), (0.9, 0.99), (0.9, 0.999))


def page_reddi() -> str:
    from adamtheory.theory import divergence, reddi

    C = sp.Symbol("C", positive=True)
    slope, x_star = reddi.theorem1_optimum()
    conds = reddi.theorem2_conditions()
    red = reddi.theorem2_beta1_zero_reduction()
    bound, lead = reddi.theorem3_direction_bound()
    rows = []
    for b1, b2 in _R18_POINTS:
        c_min = reddi.smallest_admissible_C(b1, b2)
        mu = float(divergence.cyclic_drift(b1, b2, int(c_min), float(c_min)))
        rows.append((f"({b1:g}, {b2:g})", str(c_min), f"{mu:+.4g}"))
    return "\n".join(
        [
            "# Reddi, Kale & Kumar 2018 (R18)",
            "",
            "Source: {py:mod}`adamtheory.theory.reddi`; {ref}`§3.3 <theory-3.3>`.",
            "",
            "## Theorem 1: the period-3 counterexample",
            "",
            "Losses $Cx$ once per period of three and $-x$ otherwise on $[-1, 1]$, with",
            "",
            math_block(
                eq(r"\beta_2", reddi.theorem1_beta2(C)),
                eq(r"\text{mean slope}", slope),
                eq("x^*", x_star),
                eq(r"\lim_{T\to\infty} R_T/T", reddi.theorem1_average_regret_limit()),
                eq(r"\text{period } p:\ \lim R_T/T", reddi.periodic_average_regret()),
            ),
            "Claim {ref}`R-T1 <claim-r-t1>` runs Adam, AMSGrad and SGD on it; see the "
            f"{{doc}}`R18 notebook </{GENERATED}/notebooks/r18_counterexample>`.",
            "",
            "## Theorem 2 (recalled conditions)",
            "",
            "The conditions as transcribed from memory (provenance `recalled`: tested, not "
            r"assumed), with $\gamma = \beta_1/\sqrt{\beta_2}$:",
            "",
            math_block(
                *(
                    f"\\text{{({name})}}\\ {latex(c)}"
                    for name, c in zip(("i", "ii", "iii"), conds.conditions, strict=True)
                )
            ),
            "At β1 = 0 SymPy reduces (i) to "
            f"{m(latex(red.condition_i))} and (ii), (iii) to bounds on β2:",
            "",
            math_block(latex(red.reduced)),
            "Smallest admissible even C at the specification's five points "
            "({py:func}`~adamtheory.theory.reddi.smallest_admissible_C`) and the cyclic drift "
            "(n = r = C) there, computed during this build:",
            "",
            table(["(β1, β2)", "smallest C", "cyclic drift μ"], rows),
            "## Theorem 3 (stochastic)",
            "",
            math_block(
                eq(r"\mathbb E_\xi[\partial_x f]", reddi.theorem3_expected_slope()),
                eq(r"\mathbb E[g_t/\sqrt{v_t}\mid v_{t-1}=v]", reddi.theorem3_expected_direction()),
                eq(r"B\ (\text{an upper bound over } v\in[0,C^2])", bound),
                eq(r"\lim_{C\to\infty} C\,B", lead),
            ),
            "A negative limit means the expected step drifts towards +1 for large C (claim "
            "{ref}`R-T3 <claim-r-t3>`).",
            "",
        ]
    )


def page_colour_ball() -> str:
    from adamtheory.theory import colour_ball as cb

    rows = [
        (str(k), m(latex(sp.factor(cb.enumerated_gap(2, k)))), m(latex(sp.factor(cb.lemma_a1(k)))))
        for k in (1, 2, 3)
    ]
    return "\n".join(
        [
            "# The colour-ball lemma",
            "",
            "Source: {py:mod}`adamtheory.theory.colour_ball`; THEORY.md §3.5. General n, derived "
            "from linearity (each draw is uniform on the labels):",
            "",
            math_block(eq(r"\mathbb E\Bigl[\sum_p m_p - \sum_p f_p\Bigr]", cb.closed_form_gap())),
            "For n = 2, exhaustive enumeration of all orders in exact arithmetic next to the "
            "lemma's statement, both computed during this build:",
            "",
            table(["k", "enumerated", "lemma A.1"], rows),
            "Claim {ref}`CB-A1 <claim-cb-a1>` checks k ≤ 5 and n balls.",
            "",
        ]
    )


THEORY_PAGES: dict[str, tuple[str, Callable[[], str]]] = {
    "divergence": ("Drift (Z22)", page_divergence),
    "reddi": ("R18", page_reddi),
    "colour_ball": ("Colour-ball lemma", page_colour_ball),
    "ftrl": ("Clipped Adam = β-FTRL", page_ftrl),
    "ema": ("Model EMA", page_ema),
    "o2nc": ("O2NC", page_o2nc),
}


def write_theory_pages(out: Path) -> None:
    for name, (_, build) in THEORY_PAGES.items():
        write_if_changed(out / f"{name}.md", build())
    index = "\n".join(
        [
            "# Theory",
            "",
            "These pages are generated from the SymPy layer ({py:mod}`adamtheory.theory`) each "
            "time the documentation is built: every displayed formula is `sympy.latex` of the "
            "expression "
            "the code derives and the claims use, and every number is computed during the build. "
            "Nothing here is retyped, so a page cannot disagree with the code.",
            "",
            "```{toctree}",
            ":maxdepth: 1",
            "",
            *THEORY_PAGES,
            "```",
            "",
        ]
    )
    write_if_changed(out / "index.md", index)
    _remove_stale(out, {f"{n}.md" for n in THEORY_PAGES} | {"index.md"})


# ------------------------------------------------------------------------------ API reference
def package_exports(package_name: str = "adamtheory") -> tuple[dict, dict]:
    """For every package: the names of ``__all__`` it defines itself, and the canonical
    ``module.qualname`` of those it re-exports from its submodules.

    The autosummary template documents the first on the package page and links the second to
    their definitions, so every object is described once (no duplicate targets).
    """
    import pkgutil

    root = importlib.import_module(package_name)
    local: dict[str, list[str]] = {}
    reexports: dict[str, list[str]] = {}
    packages = [root] + [
        importlib.import_module(info.name)
        for info in pkgutil.walk_packages(root.__path__, package_name + ".")
        if info.ispkg
    ]
    for package in packages:
        names = getattr(package, "__all__", None)
        if names is None:
            continue
        here, there = [], []
        for name in names:
            obj = getattr(package, name)
            if inspect.ismodule(obj):
                continue
            module = getattr(obj, "__module__", None)
            qualname = getattr(obj, "__qualname__", None)
            if (
                module
                and qualname
                and module != package.__name__
                and (inspect.isclass(obj) or inspect.isroutine(obj))
            ):
                there.append(f"{module}.{qualname}")
            else:
                here.append(name)
        local[package.__name__] = here
        reexports[package.__name__] = there
    return local, reexports


_LITERAL = re.compile(r"``.+?``|`[^`]+`", re.S)  # inline literals and role contents
_SUBSTITUTION = re.compile(r"(?<![\\\w|])\|(?=[^\s|])")


def _block_lines(lines: list[str]) -> list[bool]:
    """Lines that are not running text: directives and their bodies, literal blocks,
    doctests and line blocks."""
    protected = [False] * len(lines)
    block_indent = None
    for i, line in enumerate(lines):
        stripped = line.lstrip()
        indent = len(line) - len(stripped)
        if block_indent is not None:
            if not stripped or indent > block_indent:
                protected[i] = True
                continue
            block_indent = None
        if stripped.startswith((">>>", "... ", "..", "| ")):
            protected[i] = True
            if stripped.startswith(".. "):
                block_indent = indent
        if stripped.rstrip().endswith("::"):
            block_indent = indent
    return protected


def escape_substitutions(
    app: Any, what: str, name: str, obj: Any, options: Any, lines: list[str]
) -> None:
    """Docstrings here are plain text first: ``|x|`` means an absolute value or a norm.

    reST would read it as a substitution reference, which the project never defines, so such
    bars are escaped in running text; inline literals, roles (even across lines), literal
    blocks and directive bodies are left alone.
    """
    masked = "\n".join(
        " " * len(line) if skip else line
        for line, skip in zip(lines, _block_lines(lines), strict=True)
    )
    literals = [m.span() for m in _LITERAL.finditer(masked)]
    text = list("\n".join(lines))
    for match in reversed(list(_SUBSTITUTION.finditer(masked))):
        if not any(a <= match.start() < b for a, b in literals):
            text.insert(match.start(), "\\")
    lines[:] = "".join(text).split("\n")


# --------------------------------------------------------------------------------------- notebooks
def copy_notebooks(source: Path, out: Path) -> None:
    names = set()
    for nb in sorted(source.glob("*.ipynb")):
        names.add(nb.name)
        target = out / nb.name
        out.mkdir(parents=True, exist_ok=True)
        if not target.exists() or target.read_bytes() != nb.read_bytes():
            shutil.copyfile(nb, target)
    _remove_stale(out, names)


def remove_stale_api_pages(directory: Path) -> None:
    """Delete the API stub pages (``<module>.rst``) of modules that no longer exist.

    Autosummary writes a stub per module but never deletes one, so a moved module's old page
    would stay in the build as an automodule that fails to import.
    """
    import importlib.util

    if not directory.is_dir():
        return
    for path in directory.glob("adamtheory*.rst"):
        try:
            exists = importlib.util.find_spec(path.stem) is not None
        except ModuleNotFoundError:  # a parent package is gone too
            exists = False
        if not exists:
            path.unlink()


def _remove_stale(directory: Path, keep: set[str]) -> None:
    if not directory.is_dir():
        return
    for path in directory.iterdir():
        if path.is_file() and path.name not in keep:
            path.unlink()


# ------------------------------------------------------------------------------------------ sphinx
EXECUTION_REPORT = "notebook_execution.json"


def record_executions(app: Any, exception: Exception | None) -> None:
    """Write myst-nb's execution record of every executed page to ``<doctreedir>/`` as JSON.

    ``tests/test_notebooks.py`` reads it: each notebook is executed once, by the docs build,
    and its failure (with the traceback) is reported per notebook.
    """
    if exception is not None:
        return
    from myst_nb.sphinx_ import NbMetadataCollector

    report = {
        doc: data
        for doc in sorted(app.env.found_docs)
        if (data := NbMetadataCollector.get_exec_data(app.env, doc)) is not None
    }
    Path(app.doctreedir, EXECUTION_REPORT).write_text(json.dumps(report, indent=2, default=str))


def generate(app: Any) -> None:
    from sphinx.errors import ConfigError

    from adamtheory.claims import REGISTRY

    srcdir = Path(app.srcdir)
    out = srcdir / GENERATED
    write_theory_pages(out / "theory")
    try:
        measurements = load_measurements(app.config.adamtheory_results, REGISTRY)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    write_claim_pages(out / "claims", set(THEORY_PAGES), measurements)
    copy_notebooks(Path(app.config.adamtheory_notebooks), out / "notebooks")
    remove_stale_api_pages(out / "api")


def setup(app: Any) -> dict[str, Any]:
    app.add_config_value("adamtheory_notebooks", "", "env")
    # no rebuild of its own: the claim pages it changes are rewritten, so Sphinx re-reads them
    app.add_config_value("adamtheory_results", os.environ.get(RESULTS_ENV, ""), "")
    app.add_node(mathml_literal, html=(visit_mathml_html, None))
    app.add_role("mathml", mathml_role)
    # before autosummary and the reading of sources (default priority 500)
    app.connect("builder-inited", generate, priority=100)
    app.connect("autodoc-process-docstring", escape_substitutions, priority=600)
    app.connect("build-finished", record_executions)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
