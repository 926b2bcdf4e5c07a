"""Maximise an acquisition function over a constrained space or a finite pool, with botorch's optimisers.

botorch's ``optimize_acqf`` handles bounds and linear constraints; what it does not know is our space's arbitrary
(callable) constraints and the points to avoid (pending, failed, just chosen). So we (1) draw feasible Sobol raw
samples away from those points, (2) start ``optimize_acqf`` from the best of them, (3) keep the best result that is
still feasible and away from avoided points, falling back to the best raw sample.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
import torch
from botorch.acquisition import AcquisitionFunction
from botorch.models import ModelListGP
from botorch.models.model import Model
from botorch.optim import optimize_acqf, optimize_acqf_discrete

from active_science.space import ParameterSpace

__all__ = ["maximize_acquisition", "evaluate_acquisition", "condition_on_believed", "far_from", "squared_distance_to_nearest"]

logger = logging.getLogger(__name__)
DTYPE = torch.float64


def squared_distance_to_nearest(points: np.ndarray, avoid: np.ndarray | None) -> np.ndarray:
    """`(m,)` squared distance from each of `(m, d)` ``points`` to the nearest of `(k, d)` ``avoid`` (inf if none)."""
    if avoid is None or len(avoid) == 0 or len(points) == 0:
        return np.full(len(points), np.inf)
    return ((points[:, None, :] - avoid[None, :, :]) ** 2).sum(-1).min(axis=1)


def far_from(points: np.ndarray, avoid: np.ndarray | None, min_distance: float) -> np.ndarray:
    """`(m,)` True where a point of `(m, d)` ``points`` is at least ``min_distance`` from every `(k, d)` ``avoid``."""
    return squared_distance_to_nearest(points, avoid) >= min_distance**2


def evaluate_acquisition(acq: AcquisitionFunction, U: np.ndarray, chunk: int = 2048) -> np.ndarray:
    """`(m,)` values of a q = 1 acquisition at `(m, d)` unit points, in chunks, without gradients."""
    out = []
    with torch.no_grad():
        for start in range(0, len(U), chunk):
            out.append(acq(torch.as_tensor(U[start : start + chunk, None, :], dtype=DTYPE)).numpy())
    return np.concatenate(out) if out else np.zeros(0)


def maximize_acquisition(
    acq: AcquisitionFunction,
    space: ParameterSpace,
    *,
    seed: int,
    avoid: np.ndarray | None = None,
    candidates: np.ndarray | None = None,
    num_restarts: int = 8,
    raw_samples: int = 1024,
    min_distance: float = 1e-3,
    maxiter: int = 200,
) -> np.ndarray | None:
    """The unit-cube point `(d,)` maximising ``acq``; ``None`` if no admissible point is left.

    Args:
        acq: a q = 1 botorch acquisition function on unit-cube inputs.
        space: the parameter space (bounds are the unit cube; constraints are honoured).
        seed: seed of the raw Sobol samples.
        avoid: `(k, d)` unit points that must not be proposed again (pending, failed, already chosen).
        candidates: `(c, d)` a finite pool to choose from instead of the continuous space.
        min_distance: unit-cube distance below which a point counts as a repeat of an avoided one.
        num_restarts: gradient (L-BFGS-B) restarts from the best raw samples; 0 returns the best raw sample.
        maxiter: L-BFGS-B iterations per restart (non-smooth acquisitions such as straddle otherwise use ~100
            acquisition evaluations per point).
    """
    if candidates is not None:
        pool = candidates[far_from(candidates, avoid, min_distance)]
        if len(pool) == 0:
            return None
        best, _ = optimize_acqf_discrete(acq, q=1, choices=torch.as_tensor(pool, dtype=DTYPE), unique=True)
        return best.detach().numpy().reshape(-1)

    raw = space.sample_unit(raw_samples, seed=seed, method="sobol")
    raw = raw[far_from(raw, avoid, min_distance)]
    if len(raw) == 0:
        return None
    values = evaluate_acquisition(acq, raw)
    order = np.argsort(-values, kind="stable")[: max(num_restarts, 1)]
    if num_restarts == 0:  # no gradient polish: the best raw sample (cheap, fine in low dimension)
        return raw[order[0]]
    ics = torch.as_tensor(raw[order][:, None, :], dtype=DTYPE)
    ineq = space.unit_inequality_constraints()
    ineq_t = (
        [(torch.as_tensor(i, dtype=torch.long), torch.as_tensor(c, dtype=DTYPE), r) for i, c, r in ineq] if ineq else None
    )
    bounds = torch.stack([torch.zeros(space.dim, dtype=DTYPE), torch.ones(space.dim, dtype=DTYPE)])
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with torch.random.fork_rng():
            torch.manual_seed(seed)
            cands, vals = optimize_acqf(
                acq,
                bounds=bounds,
                q=1,
                num_restarts=len(ics),
                batch_initial_conditions=ics,
                inequality_constraints=ineq_t,
                return_best_only=False,
                retry_on_optimization_warning=False,
                options={"maxiter": int(maxiter)},
            )
    for w in caught:
        logger.debug("acquisition optimiser: %s", w.message)
    U = np.clip(cands.detach().numpy().reshape(-1, space.dim), 0.0, 1.0)
    v = vals.detach().numpy().reshape(-1)
    ok = space.contains(space.from_unit(U)) & far_from(U, avoid, min_distance) & np.isfinite(v)
    if np.any(ok) and v[ok].max() >= values[order[0]]:
        return U[ok][np.argmax(v[ok])]
    return raw[order[0]]


def condition_on_believed(model: Model, X: np.ndarray) -> Model:
    """Kriging believer: the model conditioned on its own posterior mean at `(k, d)` unit points.

    This shrinks the posterior variance around points already chosen or still running, so the next choice in a
    batch goes elsewhere (Ginsbourger et al. 2010). The believed observations get the median training noise.
    """
    if X is None or len(X) == 0:
        return model
    if isinstance(model, ModelListGP):  # botorch does not condition model lists: do each member
        return ModelListGP(*[condition_on_believed(m, X) for m in model.models])
    Xt = torch.as_tensor(np.asarray(X).reshape(-1, model.train_inputs[0].shape[-1]), dtype=DTYPE)
    with torch.no_grad():
        Y = model.posterior(Xt).mean.detach()
        noise = getattr(model.likelihood, "noise", None)
        kwargs = {}
        if noise is not None and noise.numel() > 1:  # fixed (known) noise: give it, in the transformed scale
            kwargs["noise"] = torch.full_like(Y, float(noise.detach().median()))
        return model.condition_on_observations(Xt, Y, **kwargs)
