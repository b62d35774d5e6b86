"""report.html: one self-contained file (inline CSS and JS, PNG figures as data URIs).

Formulas in the claims' statement, prediction, rule, negative control and perturbations are
presentation MathML (:mod:`adamtheory.report.maths`), which browsers render natively; the
ASCII text is each ``<math>``'s ``alttext``. Long formulas scroll sideways inside their box.

The page fetches nothing: a Content-Security-Policy forbids every source except inline
style/script and ``data:`` images, so a stray external reference would show as a console
error rather than as a silent network request. It reflows to one column on a phone and has
print rules (no scroll boxes, figures and claim fields kept on one page where possible).

A few lines of inline JavaScript record, on the element ``#report-status``, how many figures
the page holds and how many decoded (drawn to a canvas, with non-blank pixels), how many
formulas it holds and how many were laid out (non-zero size; fractions with the numerator
above the denominator), and the verdict counts read back from the summary table (``data-*``
attributes); the browser test reads them from the rendered DOM.
"""

from __future__ import annotations

import base64
import json
from html import escape
from typing import Any

from .fields import power_cell
from .maths import inline_html

__all__ = ["report_html"]

# the verdicts of adamtheory.claims.base.VERDICTS, in the order the summary shows them
# (not imported: importing the claims package would load every claim module)
_VERDICTS = ("pass", "fail", "inconclusive", "error", "reported")
_TAGS = {
    "primary": "statement checked against the primary source",
    "secondary": "statement taken from a secondary source",
    "derived": "statement derived here (SymPy or by hand)",
    "recalled": "statement recalled, not checked against the source",
}
_CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "script-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
)

_CSS = """
:root{--fg:#1f2328;--muted:#59636e;--line:#d1d9e0;--bg2:#f6f8fa;--pass:#1a7f37;
--fail:#cf222e;--inconclusive:#9a6700;--error:#8250df;--reported:#4f5b67}
*{box-sizing:border-box}
body{font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);
margin:0 auto;max-width:64rem;padding:1rem;-webkit-text-size-adjust:100%}
h1{font-size:1.6rem;margin:.2rem 0 .4rem}h2{font-size:1.3rem;margin-top:2rem;
border-bottom:1px solid var(--line)}h3{font-size:1.1rem;margin:0 0 .5rem}
.meta{color:var(--muted);font-size:.9rem}
.cards{display:flex;flex-wrap:wrap;gap:.5rem;margin:1rem 0}
.card{border:1px solid var(--line);border-radius:.5rem;padding:.4rem .9rem;min-width:7rem}
.card b{display:block;font-size:1.6rem;line-height:1.2}
.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border-bottom:1px solid var(--line);padding:.3rem .45rem;text-align:left;
vertical-align:top}
th{background:var(--bg2)}
td.num{text-align:right;white-space:nowrap}
.v{font-weight:700;white-space:nowrap}
.v-pass{color:var(--pass)}.v-fail{color:var(--fail)}
.v-inconclusive{color:var(--inconclusive)}.v-error{color:var(--error)}
.v-reported{color:var(--reported)}
section.claim{border:1px solid var(--line);border-radius:.5rem;padding:.8rem 1rem;
margin:1rem 0}
dl{display:grid;grid-template-columns:10.5rem minmax(0,1fr);gap:.3rem .8rem;margin:0}
dt{font-weight:600;color:var(--muted)}dd{margin:0;overflow-wrap:anywhere}
ul.iv{margin:0;padding-left:1.1rem}
figure{margin:.8rem 0 0}figure img{max-width:100%;height:auto;display:block;
border:1px solid var(--line)}figcaption{font-size:.85rem;color:var(--muted)}
pre{background:var(--bg2);padding:.6rem;overflow-x:auto;font-size:.8rem}
a{color:#0969da}
math{font-size:1.05em}
.mwide{display:inline-block;max-width:100%;overflow-x:auto;overflow-y:hidden;
vertical-align:middle;-webkit-overflow-scrolling:touch}
math[display=block]{display:block math;max-width:100%;overflow-x:auto;overflow-y:hidden}
@media (max-width:40rem){body{padding:.6rem;font-size:15px}
dl{grid-template-columns:minmax(0,1fr)}dt{margin-top:.4rem}.wide{display:none}
section.claim{padding:.6rem}}
@media print{body{max-width:none;padding:0;font-size:10pt}
.scroll,.mwide,math[display=block]{overflow:visible}a{color:inherit;text-decoration:none}
section.claim{border:0;border-top:1px solid #999;border-radius:0;padding:.4rem 0}
dl,figure,tr{break-inside:avoid}h2,h3{break-after:avoid}figure img{max-height:60vh;
width:auto;border:0}pre{white-space:pre-wrap}}
"""

_JS = """
(function(){"use strict";
var s=document.getElementById("report-status"),errors=0;
function set(k,v){s.setAttribute("data-"+k,String(v));}
function drawn(img){if(!img.complete||img.naturalWidth===0){return false;}
var c=document.createElement("canvas"),w=img.naturalWidth,h=img.naturalHeight;
c.width=w;c.height=h;var x=c.getContext("2d");x.drawImage(img,0,0);
var d=x.getImageData(0,0,w,h).data;
for(var i=0;i<d.length;i+=4){if(d[i+3]>0&&(d[i]<200||d[i+1]<200||d[i+2]<200)){return true;}}
return false;}
window.addEventListener("error",function(){errors+=1;set("errors",errors);});
window.addEventListener("load",function(){
var rows=document.querySelectorAll("#summary tbody tr[data-verdict]"),c={};
__VERDICTS__.forEach(function(v){c[v]=0;});
Array.prototype.forEach.call(rows,function(r){var v=r.getAttribute("data-verdict");
if(v in c){c[v]+=1;}});
Object.keys(c).forEach(function(v){set("count-"+v,c[v]);});
set("claims",rows.length);
var imgs=Array.prototype.slice.call(document.images);
set("images",imgs.length);
set("decoded",imgs.filter(drawn).length);
var ms=Array.prototype.slice.call(document.getElementsByTagName("math")),
mv=ms.filter(function(m){return m.getClientRects().length>0;});
set("maths",ms.length);set("maths-visible",mv.length);
set("maths-sized",mv.filter(function(m){var r=m.getBoundingClientRect();
return r.width>0&&r.height>0;}).length);
var fr=Array.prototype.slice.call(document.getElementsByTagName("mfrac"));
set("fractions",fr.length);
set("fractions-stacked",fr.filter(function(f){var a=f.children[0],b=f.children[1];
if(!a||!b){return false;}var p=a.getBoundingClientRect(),q=b.getBoundingClientRect();
return p.height>0&&q.height>0&&p.bottom<=q.top+1;}).length);
set("errors",errors);set("state","done");
});})();
"""


def _e(text: Any) -> str:
    return escape(str(text), quote=True)


def _anchor(claim_id: str) -> str:
    return "claim-" + "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in claim_id)


def _verdict(v: str) -> str:
    return f'<span class="v v-{_e(v)}">{_e(v)}</span>'


def _summary(payload: dict[str, Any]) -> str:
    counts = payload["summary"]
    cards = "".join(
        f'<div class="card"><b class="v-{v}" data-summary="{v}">'
        f"{int(counts.get(v, 0))}</b>{v}</div>"
        for v in _VERDICTS
    )
    rows = []
    for r in payload["claims"]:
        fired = _fired(r["control"]["fired"])
        rows.append(
            f'<tr data-verdict="{_e(r["verdict"])}"><td><a href="#{_anchor(r["id"])}">'
            f'{_e(r["id"])}</a></td><td class="wide">{inline_html(r["title"])}</td>'
            f"<td>{_e(r['provenance'])}</td><td>{_verdict(r['verdict'])}</td>"
            f'<td>{fired}</td><td data-power="{_e(power_cell(r))}">{_e(power_cell(r))}</td>'
            f'<td class="num">{float(r["seconds"]):.2f}</td>'
            f"<td>{'cache' if r.get('cached') else 'run'}</td></tr>"
        )
    return (
        f'<div class="cards">{cards}</div><div class="scroll"><table id="summary">'
        '<thead><tr><th>id</th><th class="wide">title</th><th>tag</th><th>verdict</th>'
        "<th>control fired</th><th>power</th><th>s</th><th>from</th></tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table></div>"
    )


def _fired(fired: bool | None) -> str:
    """The "control fired" cell: ``None`` is a reported claim's (it has no control)."""
    if fired is None:
        return '<span class="meta">n/a</span>'
    return "yes" if fired else "<b>NO</b>"


def _sensitivity(r: dict[str, Any]) -> str:
    """The perturbations of the theory and whether the same rule detected each."""
    rows = "".join(
        f'<tr data-detected="{str(bool(e["detected"])).lower()}"><td>'
        f"{inline_html(e['perturbation'])}"
        + (' <span class="meta">(negative control)</span>' if e.get("control") else "")
        + f"</td><td>{_e(e['target'])}"
        + ("" if e.get("required", True) else ' <span class="meta">(aspirational)</span>')
        + f"</td><td>{_e(e['kind'])}</td><td>{_verdict(e['verdict'])}</td>"
        f"<td>{'yes' if e['detected'] else '<b>no</b>'}</td></tr>"
        for e in r["sensitivity"]
    )
    found = sum(bool(e["detected"]) for e in r["sensitivity"])
    weak = ' <b class="v-fail">weak</b>' if r.get("weak") else ""
    return (
        f"{found}/{len(r['sensitivity'])} detected{weak}"
        '<div class="scroll"><table class="sens">'
        "<thead><tr><th>perturbation</th><th>target</th><th>kind</th><th>verdict</th>"
        f"<th>detected</th></tr></thead><tbody>{rows}</tbody></table></div>"
    )


def _claim(r: dict[str, Any], image: bytes | str | None) -> str:
    ctl = r["control"]
    seq = r.get("seed_sequence")
    seed = _e(r["seed"]) + (
        f' <span class="meta">(claim stream: SeedSequence('
        f"{_e(seq['entropy'])}, spawn_key={_e(tuple(seq['spawn_key']))})"
        "</span>"
        if seq
        else ""
    )
    verdict = _verdict(r["verdict"]) + (f" {_e(r['message'])}" if r.get("message") else "")
    if ctl["fired"] is None:  # a reported claim: no control was run
        control = inline_html(ctl["description"])
    else:
        control = (
            f"{inline_html(ctl['description'])}<br>verdict {_verdict(ctl['verdict'])} "
            f"({'fired' if ctl['fired'] else '<b>did not fire</b>'}): "
            f"{_e(ctl['measured'])}"
        )
    timing = f"{float(r['seconds']):.2f} s" + (
        " (from the cache; the time of the run that produced it)" if r.get("cached") else ""
    )
    fields = [
        ("Statement", inline_html(r.get("statement", ""))),
        ("Source", _e(r["source"])),
        (
            "Provenance",
            f'{_e(r["provenance"])} <span class="meta">'
            f"({_e(_TAGS.get(r['provenance'], ''))})</span>",
        ),
        ("Prediction", inline_html(r["predicted"])),
        ("Measurement", _e(r["measured"])),
    ]
    if r.get("intervals"):
        fields.append(
            (
                "Intervals",
                '<ul class="iv">' + "".join(f"<li>{_e(i)}</li>" for i in r["intervals"]) + "</ul>",
            )
        )
    fields += [
        ("Rule", inline_html(r["rule"])),
        ("Verdict", verdict),
        ("Negative control", control),
    ]
    if r.get("sensitivity"):
        fields.append(("Sensitivity", _sensitivity(r)))
    fields += [("Run time", timing), ("Profile", _e(r["profile"])), ("Seed", seed)]
    body = "".join(f"<dt>{k}</dt><dd>{v}</dd>" for k, v in fields)
    figure = ""
    if isinstance(image, bytes):
        data = base64.b64encode(image).decode("ascii")
        figure = (
            f'<figure><img src="data:image/png;base64,{data}" alt="{_e(r["id"])}: '
            f'{_e(r["title"])}" loading="eager"><figcaption>{_e(r["id"])}: '
            f"{_e(r['title'])}</figcaption></figure>"
        )
    elif isinstance(image, str):
        figure = f'<p class="meta">Figure could not be drawn: {_e(image)}</p>'
    return (
        f'<section class="claim" id="{_anchor(r["id"])}" data-verdict="{_e(r["verdict"])}">'
        f"<h3>{_e(r['id'])}: {inline_html(r['title'])}</h3><dl>{body}</dl>{figure}</section>"
    )


def report_html(payload: dict[str, Any], images: dict[str, bytes | str]) -> str:
    """The self-contained HTML report of a ``results.json`` payload.

    Parameters
    ----------
    payload : dict
        As written to ``results.json``.
    images : dict
        Claim id -> PNG bytes (embedded) or an error message (shown instead of the figure).
    """
    env = payload["environment"]
    cache = payload.get("cache", {})
    total = payload.get("total_seconds")
    meta = (
        f"profile <b>{_e(payload['profile'])}</b>, seed {_e(payload['seed'])}, backend "
        f"{_e(env['backend'])} (sweeps: {_e(env.get('sweep_backend', '?'))}), adamtheory "
        f"{_e(env.get('adamtheory', '?'))}; {len(payload['claims'])} claims"
        + (f" in {float(total):.1f} s" if total is not None else "")
        + (f", {int(cache['hits'])} from the cache" if cache.get("hits") else "")
        + (f"; generated {_e(payload['created'])}" if payload.get("created") else "")
    )
    sections = "".join(_claim(r, images.get(r["id"])) for r in payload["claims"])
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<title>adamtheory verification report</title>"
        f"<style>{_CSS}</style></head><body>"
        "<header><h1>adamtheory verification report</h1>"
        f'<p class="meta">{meta}</p></header>'
        f"<main><h2>Summary</h2>{_summary(payload)}"
        f"<h2>Claims</h2>{sections}"
        "<h2>Environment</h2><pre>"
        f"{_e(json.dumps(env, indent=2, ensure_ascii=False))}</pre></main>"
        '<div id="report-status" hidden data-state="loading"></div>'
        f"<script>{_JS.replace('__VERDICTS__', json.dumps(list(_VERDICTS)))}</script>"
        "</body></html>\n"
    )
