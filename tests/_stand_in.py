"""Stand-in claims for tests of the runner, the CLI and the reports (not real science)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from adamtheory import rules
from adamtheory.claims import Claim, Evidence, Outcome


@dataclass(frozen=True)
class FixedRule(rules.Rule):
    """Decides whatever verdict the prediction names (a stand-in for a real rule)."""

    def describe(self) -> str:
        return "pass iff the stand-in prediction says pass"

    def decide(self, data: Any, prediction: Any) -> rules.Decision:
        return rules.Decision(prediction, f"stand-in {prediction}")


def stand_in(
    claim_id: str,
    verdict: str = "pass",
    *,
    evaluate=None,
    values=None,
    measured: str = "estimate 1.5 [1.2, 1.8]; n = 3",
    control_fires: bool = True,
    figure=None,
    title: str | None = None,
    **fields: Any,
) -> Claim:
    """A pass/fail claim whose rule returns ``verdict``; its control fails (or not)."""

    def _evaluate(ctx):
        if evaluate is not None:
            evaluate(ctx)
        return Evidence(None, verdict, dict(values or {}), predicted="p", measured=measured)

    return Claim(
        claim_id,
        title or f"{claim_id} title",
        f"{claim_id} statement",
        "a paper, Thm 1",
        fields.pop("provenance", "derived"),
        rule=FixedRule(),
        evaluate=_evaluate,
        sensitivity=(
            rules.replace(
                "fail" if control_fires else "pass",
                name="a perturbation",
                target="the stand-in's control",
                control=True,
            ),
        ),
        figure=figure,
        **fields,
    )


def reported(claim_id: str, check=None, *, figure=None, title: str | None = None) -> Claim:
    """A reported claim (no rule, no control)."""
    return Claim(
        claim_id,
        title or f"{claim_id} title",
        "a measurement",
        "a paper",
        "derived",
        check=check or (lambda ctx: Outcome("reported", "p", "m")),
        report_rule="reported: the stand-in's numbers",
        figure=figure,
        reported=True,
    )
