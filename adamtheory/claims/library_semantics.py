"""ADAM-REF: the kernels are the written-out recurrences of THEORY.md §1.1/§1.3, every variant.

Source: the update rules of ``torch.optim.Adam`` / ``RMSprop`` / ``SGD`` and ``optax.adam`` /
``amsgrad`` (library sources) and Reddi et al. 2018 Algorithm 2, as fixed in THEORY.md §1.1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..kernels import adam, amsgrad, clipped_adam, rmsprop, sgd, sgdm
from ..plots.claim_figures import adam_ref_figure
from . import reference_loops as ref
from .base import Claim, Context, Outcome
from .rules import identity_verdict, relative_error

TOLERANCE = 1e-12
_SIZES = {"quick": (200, 5, 3), "full": (2000, 16, 4)}  # (steps, trajectories, dimension)


def _gradients(ctx: Context) -> tuple[np.ndarray, np.ndarray]:
    """Heavy-tailed gradients over six orders of magnitude, with exact zeros (ε = 0 branch)."""
    steps, batch, dim = _SIZES[ctx.profile]
    rng = ctx.rng(0)
    scales = 10.0 ** rng.uniform(-3, 3, size=(1, batch, dim))
    grads = rng.standard_t(df=3, size=(steps, batch, dim)) * scales
    grads[: steps // 20 + 1, :, 0] = 0.0  # v = 0 for a while on coordinate 0
    grads[rng.random(grads.shape) < 0.05] = 0.0
    x0 = rng.normal(size=(batch, dim))
    return grads, x0


def _hyper(ctx: Context, batch: int) -> dict[str, np.ndarray]:
    rng = ctx.rng(1)
    return {
        "lr": 10.0 ** rng.uniform(-3, -1, batch),
        "beta1": np.concatenate([[0.0], rng.uniform(0.0, 0.99, batch - 1)]),
        "beta2": np.concatenate([[0.0], 1.0 - 10.0 ** rng.uniform(-4, -0.3, batch - 1)]),
    }


def _variants(h: dict[str, np.ndarray]) -> list[tuple[str, Any, Callable[..., list]]]:
    """(name, kernel optimizer, reference(grads_b, x0_b, b, factors))."""
    lr, b1, b2 = h["lr"], h["beta1"], h["beta2"]
    out: list[tuple[str, Any, Callable[..., list]]] = []
    for bc in (True, False):
        for eps in (1e-8, 0.0):
            out.append((
                f"adam(bias_correction={bc}, eps={eps:g})",
                adam(lr, b1, b2, eps=eps, bias_correction=bc),
                lambda g, x, b, f, bc=bc, eps=eps: ref.adam_loop(
                    g, x, lr[b], b1[b], b2[b], eps, bc, None, f),
            ))
    for variant in ("torch", "optax", "paper"):
        out.append((
            f"amsgrad({variant})",
            amsgrad(lr, b1, b2, eps=1e-8, variant=variant),
            lambda g, x, b, f, variant=variant: ref.adam_loop(
                g, x, lr[b], b1[b], b2[b], 1e-8, variant != "paper", variant, f),
        ))
    out.append(("rmsprop", rmsprop(lr, b2, eps=1e-8),
                lambda g, x, b, f: ref.adam_loop(g, x, lr[b], 0.0, b2[b], 1e-8, False, None, f)))
    out.append(("sgd", sgd(lr), lambda g, x, b, f: ref.sgd_loop(g, x, lr[b], f)))
    for form in ("ema", "heavy_ball"):
        out.append((f"sgdm({form})", sgdm(lr, b1, form=form),
                    lambda g, x, b, f, form=form: ref.sgdm_loop(g, x, lr[b], b1[b], form, f)))
    for coordinatewise in (True, False):
        out.append((
            f"clipped_adam(coordinatewise={coordinatewise})",
            clipped_adam(lr, b1, coordinatewise=coordinatewise),
            lambda g, x, b, f, cw=coordinatewise: ref.clipped_adam_loop(g, x, lr[b], b1[b], cw),
        ))
    return out


def _kernel_path(opt: Any, grads: np.ndarray, x0: np.ndarray, factors: np.ndarray) -> np.ndarray:
    state = opt.init(x0)
    x = x0
    path = [x0]
    clipped = opt.name == "clipped_adam"
    for t in range(grads.shape[0]):
        x, state = opt.step(x, grads[t], state, lr_scale=1.0 if clipped else float(factors[t]))
        path.append(x)
    return np.stack(path)


def _compare(ctx: Context, perturb_reference: bool) -> tuple[dict[str, float], int]:
    grads, x0 = _gradients(ctx)
    steps, batch, _ = grads.shape
    factors = 1.0 / np.sqrt(np.arange(1, steps + 1))  # inv_sqrt_step exercises lr_scale
    h = _hyper(ctx, batch)
    errors: dict[str, float] = {}
    for name, opt, reference in _variants(h):
        if perturb_reference and not name.startswith("adam(bias_correction=True, eps=1e-08"):
            continue
        kernel = _kernel_path(opt, grads, x0, factors)
        errs = []
        for b in range(batch):
            g_b = grads[:, b, :].tolist()
            if perturb_reference:
                expected = ref.adam_loop(g_b, x0[b], h["lr"][b], h["beta1"][b], h["beta2"][b],
                                         1e-8, True, None, factors, eps_inside_sqrt=True)
            else:
                expected = reference(g_b, x0[b].tolist(), b, factors)
            errs.append(relative_error(kernel[:, b, :], np.asarray(expected)))
        errors[name] = max(errs)
    return errors, steps * batch


def _outcome(errors: dict[str, float], count: int) -> Outcome:
    worst = max(errors, key=errors.get)
    err = errors[worst]
    return Outcome(
        identity_verdict(err, TOLERANCE),
        predicted=f"kernel = reference recurrence (rel. error <= {TOLERANCE:g})",
        measured=f"max rel. error {err:.2e} ({worst}); {len(errors)} variants x {count} steps",
        values={"errors": errors, "max_error": err, "tolerance": TOLERANCE},
    )


def check(ctx: Context) -> Outcome:
    return _outcome(*_compare(ctx, perturb_reference=False))


def control(ctx: Context) -> Outcome:
    return _outcome(*_compare(ctx, perturb_reference=True))


CLAIMS = (
    Claim(
        id="ADAM-REF",
        title="Kernels equal the written-out recurrences, every variant",
        statement=(
            "Adam (bias correction on/off, eps 1e-8 and 0), AMSGrad (torch, optax, paper), "
            "RMSProp, SGD, SGD-momentum (EMA, heavy-ball) and clipped Adam (coordinate-wise, "
            "global), batched over per-trajectory hyperparameters with a 1/sqrt(t) schedule, "
            "produce the iterates of THEORY.md §1.1/§1.3 written out as scalar loops."
        ),
        source="THEORY.md §1.1, §1.3; torch.optim / optax sources; Reddi et al. 2018 Alg. 2",
        provenance="primary",
        rule=f"pass iff max relative error over all variants and steps <= {TOLERANCE:g}",
        control_description=(
            "reference with eps inside the square root, sqrt(v_hat + eps), must differ "
            f"by more than {TOLERANCE:g}"
        ),
        check=check,
        control=control,
        figure=adam_ref_figure,
    ),
)
