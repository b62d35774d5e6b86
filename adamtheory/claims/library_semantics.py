"""ADAM-REF: the kernels are the written-out recurrences of docs/theory §1.1/§1.3, every variant.

Source: the update rules of ``torch.optim.Adam`` / ``RMSprop`` / ``SGD`` and ``optax.adam`` /
``amsgrad`` (library sources) and Reddi et al. 2018 Algorithm 2, as fixed in docs/theory §1.1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from .. import rules
from ..kernels import adam, amsgrad, clipped_adam, rmsprop, sgd, sgdm
from ..rules import relative_error
from . import reference_loops as ref
from .base import Claim, Context, Evidence, lazy_figure

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
            out.append(
                (
                    f"adam(bias_correction={bc}, eps={eps:g})",
                    adam(lr, b1, b2, eps=eps, bias_correction=bc),
                    lambda g, x, b, f, bc=bc, eps=eps: ref.adam_loop(
                        g, x, lr[b], b1[b], b2[b], eps, bc, None, f
                    ),
                )
            )
    for variant in ("torch", "optax", "paper"):
        out.append(
            (
                f"amsgrad({variant})",
                amsgrad(lr, b1, b2, eps=1e-8, variant=variant),
                lambda g, x, b, f, variant=variant: ref.adam_loop(
                    g, x, lr[b], b1[b], b2[b], 1e-8, variant != "paper", variant, f
                ),
            )
        )
    out.append(
        (
            "rmsprop",
            rmsprop(lr, b2, eps=1e-8),
            lambda g, x, b, f: ref.adam_loop(g, x, lr[b], 0.0, b2[b], 1e-8, False, None, f),
        )
    )
    out.append(("sgd", sgd(lr), lambda g, x, b, f: ref.sgd_loop(g, x, lr[b], f)))
    for form in ("ema", "heavy_ball"):
        out.append(
            (
                f"sgdm({form})",
                sgdm(lr, b1, form=form),
                lambda g, x, b, f, form=form: ref.sgdm_loop(g, x, lr[b], b1[b], form, f),
            )
        )
    for coordinatewise in (True, False):
        out.append(
            (
                f"clipped_adam(coordinatewise={coordinatewise})",
                clipped_adam(lr, b1, coordinatewise=coordinatewise),
                lambda g, x, b, f, cw=coordinatewise: ref.clipped_adam_loop(g, x, lr[b], b1[b], cw),
            )
        )
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


def _compare(ctx: Context, perturb_reference: bool) -> Evidence:
    """Kernel paths (data) against the scalar reference loops (prediction), per variant."""
    grads, x0 = _gradients(ctx)
    steps, batch, _ = grads.shape
    factors = 1.0 / np.sqrt(np.arange(1, steps + 1))  # inv_sqrt_step exercises lr_scale
    h = _hyper(ctx, batch)
    kernels: dict[str, np.ndarray] = {}
    references: dict[str, np.ndarray] = {}
    for name, opt, reference in _variants(h):
        if perturb_reference and not name.startswith("adam(bias_correction=True, eps=1e-08"):
            continue
        kernels[name] = _kernel_path(opt, grads, x0, factors)
        expected = []
        for b in range(batch):
            g_b = grads[:, b, :].tolist()
            if perturb_reference:
                expected.append(
                    ref.adam_loop(
                        g_b,
                        x0[b],
                        h["lr"][b],
                        h["beta1"][b],
                        h["beta2"][b],
                        1e-8,
                        True,
                        None,
                        factors,
                        eps_inside_sqrt=True,
                    )
                )
            else:
                expected.append(reference(g_b, x0[b].tolist(), b, factors))
        references[name] = np.stack([np.asarray(e) for e in expected], axis=1)
    errors = {k: relative_error(kernels[k], references[k]) for k in kernels}
    return Evidence(
        kernels,
        references,
        values={"errors": errors, "max_error": max(errors.values()), "tolerance": TOLERANCE},
        predicted=f"kernel = reference recurrence (rel. error <= {TOLERANCE:g})",
        measured=f"{len(errors)} variants x {steps * batch} steps",
    )


def _one_step_off(prediction: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The reference wrong by 1e-8 (relative) at the last step of one trajectory only."""
    out = dict(prediction)
    first = next(iter(out))
    path = out[first].copy()
    path[-1, 0] = path[-1, 0] + 1e-8 * float(np.max(np.abs(path)))
    out[first] = path
    return out


CLAIMS = (
    Claim(
        id="ADAM-REF",
        title="Kernels equal the written-out recurrences, every variant",
        statement=(
            "Adam (bias correction on/off, eps 1e-8 and 0), AMSGrad (torch, optax, paper), "
            "RMSProp, SGD, SGD-momentum (EMA, heavy-ball) and clipped Adam (coordinate-wise, "
            "global), batched over per-trajectory hyperparameters with a 1/sqrt(t) schedule, "
            "produce the iterates of the semantics page (docs/semantics.md) written out as "
            "scalar loops."
        ),
        source="docs/theory §1.1, §1.3; torch.optim / optax sources; Reddi et al. 2018 Alg. 2",
        provenance="primary",
        rule=rules.identity(TOLERANCE),
        scope="per variant, the kernel's iterates against the reference loop's",
        evaluate=lambda ctx: _compare(ctx, perturb_reference=False),
        sensitivity=(
            rules.assumption(
                "reference with eps inside the square root, sqrt(v_hat + eps)",
                lambda ctx: _compare(ctx, perturb_reference=True),
                target="a changed update rule",
                control=True,
            ),
            rules.relative(1e-8),
            rules.Perturbation(
                "one step of one trajectory off by 1e-8",
                "identity: a local 1e-8 error",
                transform=_one_step_off,
            ),
        ),
        figure=lazy_figure("adamtheory.plots.claim_figures", "adam_ref_figure"),
    ),
)
