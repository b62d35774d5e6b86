"""report.md: summary on top, the one-row-per-claim table, then one section per claim."""

from __future__ import annotations

import json
from typing import Any

from .fields import power_cell

__all__ = ["report_markdown"]

# adamtheory.claims.base.VERDICTS (not imported: that would load every claim module)
_VERDICTS = ("pass", "fail", "inconclusive", "error", "reported")


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _line(text: Any) -> str:
    return str(text).replace("\n", " ")


def _header(payload: dict[str, Any]) -> list[str]:
    env = payload["environment"]
    cache = payload.get("cache", {})
    total = payload.get("total_seconds")
    lines = [
        "# adamtheory verification report",
        "",
        f"profile `{payload['profile']}`, seed {payload['seed']}, backend "
        f"`{env['backend']}` (sweeps: `{env.get('sweep_backend', '?')}`), adamtheory "
        f"{env.get('adamtheory', '?')}"
        + (f"; {len(payload['claims'])} claims in {total:.1f} s" if total is not None else "")
        + (f", {cache['hits']} from the cache" if cache.get("hits") else "")
        + (f"; generated {payload['created']}" if payload.get("created") else ""),
        "",
        "## Summary",
        "",
        "summary: " + ", ".join(f"{k} {v}" for k, v in payload["summary"].items()),
        "",
        "| verdict | claims |",
        "|---|---|",
    ]
    lines += [f"| {v} | {payload['summary'].get(v, 0)} |" for v in _VERDICTS]
    weak = payload.get("weak") or [r["id"] for r in payload["claims"] if r.get("weak")]
    if weak:
        lines += [
            "",
            f"**{len(weak)} weak** (a declared perturbation of the theory was not "
            f"detected): {', '.join(weak)}",
        ]
    lines += [
        "",
        "| id | provenance | predicted | measured | verdict | control fired | power | s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in payload["claims"]:
        lines.append(
            f"| {r['id']} | {r['provenance']} | {_cell(r['predicted'])} | "
            f"{_cell(r['measured'])} | **{r['verdict']}** | "
            f"{_fired(r['control']['fired'])} | {power_cell(r)} | "
            f"{r['seconds']:.2f} |"
        )
    return lines


def _sensitivity(r: dict[str, Any]) -> list[str]:
    entries = r.get("sensitivity") or []
    if not entries:
        return []
    found = sum(bool(e["detected"]) for e in entries)
    weak = ", weak" if r.get("weak") else ""
    lines = [
        "",
        f"Sensitivity ({found}/{len(entries)} detected{weak}):",
        "",
        "| perturbation | target | kind | verdict | detected |",
        "|---|---|---|---|---|",
    ]
    for e in entries:
        name = _cell(e["perturbation"]) + (" (negative control)" if e.get("control") else "")
        target = _cell(e["target"]) + ("" if e.get("required", True) else " (aspirational)")
        lines.append(
            f"| {name} | {target} | {e['kind']} | {e['verdict']} | "
            f"{'yes' if e['detected'] else '**no**'} |"
        )
    return lines


def _fired(fired: bool | None) -> str:
    """The "control fired" cell: ``None`` is a reported claim's (it has no control)."""
    return "n/a" if fired is None else str(fired)


def _control(ctl: dict[str, Any]) -> str:
    if ctl["fired"] is None:  # a reported claim: no control was run
        return _line(ctl["description"])
    return (
        f"{_line(ctl['description'])}: verdict {ctl['verdict']} "
        f"({'fired' if ctl['fired'] else 'DID NOT FIRE'}); {_line(ctl['measured'])}"
    )


def _claim(r: dict[str, Any]) -> list[str]:
    ctl = r["control"]
    seq = r.get("seed_sequence")
    seed = f"{r['seed']}" + (
        f" (claim stream: SeedSequence({seq['entropy']}, spawn_key={tuple(seq['spawn_key'])}))"
        if seq
        else ""
    )
    timing = f"{r['seconds']:.2f} s" + (" (from the cache)" if r.get("cached") else "")
    verdict = f"**{r['verdict']}**" + (f" ({_line(r['message'])})" if r.get("message") else "")
    lines = [
        "",
        f"### {r['id']}: {_line(r['title'])}",
        "",
        f"- **Statement:** {_line(r.get('statement', ''))}",
        f"- **Source:** {_line(r['source'])}",
        f"- **Provenance:** {r['provenance']}",
        f"- **Prediction:** {_line(r['predicted'])}",
        f"- **Measurement:** {_line(r['measured'])}",
    ]
    if r.get("intervals"):
        lines.append("- **Intervals:** " + "; ".join(_line(i) for i in r["intervals"]))
    lines += [
        f"- **Rule:** {_line(r['rule'])}",
        f"- **Verdict:** {verdict}",
        f"- **Negative control:** {_control(ctl)}",
        f"- **Run time:** {timing}",
        f"- **Profile:** {r['profile']}",
        f"- **Seed:** {seed}",
    ]
    lines += _sensitivity(r)
    if r.get("figure"):
        lines += ["", f"![{r['id']}: {_line(r['title'])}]({r['figure']})"]
    elif r.get("figure_error"):
        lines += ["", f"(figure could not be drawn: {_line(r['figure_error'])})"]
    return lines


def report_markdown(payload: dict[str, Any]) -> str:
    """The Markdown report of a ``results.json`` payload (figures linked under figures/)."""
    lines = _header(payload) + ["", "## Claims"]
    for r in payload["claims"]:
        lines += _claim(r)
    lines += [
        "",
        "## Environment",
        "",
        "```json",
        json.dumps(payload["environment"], indent=2, ensure_ascii=False),
        "```",
        "",
    ]
    return "\n".join(lines)
