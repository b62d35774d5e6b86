"""O2NC subcommands (``adamtheory rates``) and the O2NC figure group of ``adamtheory
figures``."""

from __future__ import annotations

import argparse
from typing import Any

from .cli import STDOUT, _add_json, _check_json, _emit_json, _save


def register(sub: Any) -> None:
    """Add ``rates`` to the ``adamtheory`` parser."""
    rates = sub.add_parser("rates", help="the O2NC rate table derived by the SymPy layer")
    rates_format = rates.add_mutually_exclusive_group()
    _add_json(rates_format, "the table")
    rates_format.add_argument(
        "--latex", action="store_true", help="print the table as a LaTeX tabular (booktabs)"
    )
    rates.set_defaults(run_command=_cmd_rates)


def _cmd_rates(args: argparse.Namespace) -> int:
    from .theory import o2nc_rates

    _check_json(args.json)
    if args.json is not None:
        rows = [
            {
                "setting": r["setting"],
                "status": r["status"],
                "provenance": r["provenance"],
                "threshold": None if r["threshold"] is None else str(r["threshold"]),
                "derived": {k: str(v) for k, v in r["derived"].items()},
                "cited": {k: str(v) for k, v in r.get("cited", {}).items()},
                "lower_bound": {k: str(v) for k, v in r["lower_bound"].items()},
                "lower_bound_source": r["lower_bound_source"],
                # a cited row's optimality is the citation's claim, not a derived flag
                "optimal": "cited" if r["status"] == "cited" else r["optimal"],
            }
            for r in o2nc_rates.rate_table()
        ]
        _emit_json(
            {
                "rows": rows,
                "threshold": [str(t) for t in o2nc_rates.threshold_terms()],
                "bound_over_eps": str(o2nc_rates.total_share_limit()),
            },
            args.json,
        )
    if args.json == STDOUT:
        pass
    elif args.latex:
        print(o2nc_rates.render_latex())
    else:
        print(o2nc_rates.render_markdown())
    return 0


def _write_o2nc(args: argparse.Namespace) -> None:
    from .report.gallery import claim_gallery

    # the O2NC figures are the registered claims' own figures (quick profile, seed 0)
    for entry in claim_gallery(profile="quick", seed=0):
        _save(entry.figure, args.out / entry.name)
        print(f"{entry.name}: {entry.claim_id} {entry.verdict}, {entry.seconds:.1f} s", flush=True)


#: Figure groups of ``adamtheory figures`` (see ``adamtheory.cli._figure_groups``).
FIGURE_GROUPS = {"o2nc": _write_o2nc}
