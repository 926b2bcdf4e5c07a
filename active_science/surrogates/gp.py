"""Exact GP surrogate: botorch ``SingleTaskGP`` with known (heteroskedastic) or inferred noise.

Inputs live in the unit cube; outputs are standardised by botorch's ``Standardize`` outcome transform; everything
runs in float64. Fitting is seeded so that the same data give the same hyperparameters on every run.
"""

from __future__ import annotations

import logging
import warnings
from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import torch
from botorch.exceptions import ModelFittingError
from botorch.exceptions.warnings import OptimizationWarning
from botorch.fit import fit_gpytorch_mll
from botorch.models import SingleTaskGP
from botorch.models.transforms.input import Warp, kumaraswamy_warp, subset_transform
from botorch.models.transforms.outcome import Standardize
from botorch.models.utils.gpytorch_modules import get_covar_module_with_dim_scaled_prior
from gpytorch.kernels import ScaleKernel
from gpytorch.priors import LogNormalPrior
from gpytorch.mlls import ExactMarginalLogLikelihood

from active_science.exceptions import InvalidInputError

__all__ = ["ExtendedWarp", "GPSurrogate", "posterior_mean_variance", "training_arrays"]

logger = logging.getLogger(__name__)

DTYPE = torch.float64


def training_arrays(X: np.ndarray, y: np.ndarray, yvar: np.ndarray | None) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """``X`` `(n, d)`, ``y`` `(n,)` and ``yvar`` `(n,)` or None as float arrays, or a one-line error (every surrogate's
    ``fit`` starts with this).

    Example:
        >>> X, y, yv = training_arrays([[0.0], [1.0]], [1, 2], None)
        >>> X.shape, y.dtype, yv
        ((2, 1), dtype('float64'), None)
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float).reshape(-1)
    if X.ndim != 2 or len(X) != len(y) or len(y) < 1:
        raise InvalidInputError(f"fit needs X (n, d) and y (n,) with n >= 1, got {X.shape} and {y.shape}")
    return X, y, None if yvar is None else np.asarray(yvar, dtype=float).reshape(-1)


class ExtendedWarp(Warp):
    """botorch's ``Warp`` (a learned Kumaraswamy CDF on the training points' range) continued with unit slope beyond
    that range, so points outside it keep their distance to the data (``GPSurrogate(warp_beyond="extend")``).

    botorch's ``Warp`` without bounds normalises each axis by the training points' own range and clamps everything
    beyond it onto the range's edge: a GP on such inputs predicts the edge's value with the edge's small variance
    everywhere beyond the evaluated points (4 points in [0.15, 0.75]: sd 0.016 on all of [0.75, 1]). This subclass
    keeps the fit (training points never lie beyond their own range, so the hyperparameters and every prediction inside
    the range are unchanged) and replaces only the clamp, by the identity, where the data say nothing about a warp.
    botorch has no such option (its ``bounds`` fix the normalisation instead, which changes the fit), hence the
    subclass.

    Example:
        >>> w = ExtendedWarp(d=1, indices=[0]).eval()
        >>> w._warp_transform(torch.tensor([[-0.5], [0.5], [1.5]], dtype=torch.float64)).squeeze(-1).round(decimals=6).tolist()
        [-0.5, 0.5, 1.5]
    """

    @subset_transform
    def _warp_transform(self, X: torch.Tensor) -> torch.Tensor:
        inside = X.clamp(0.0, 1.0)
        return kumaraswamy_warp(X=inside, c0=self.concentration0, c1=self.concentration1, eps=self._eps) + (X - inside)


def _as_tensor(a: np.ndarray) -> torch.Tensor:
    return torch.as_tensor(np.ascontiguousarray(a), dtype=DTYPE)


class GPSurrogate:
    """Gaussian-process model of the loop's values.

    Args:
        noise: ``"known"`` uses the evaluations' own variances (heteroskedastic, fixed noise; falls back to
            ``"inferred"`` when some are unknown); ``"inferred"`` learns one homoskedastic noise level.
        kernel: Matern-5/2 (default; tolerates kinks) or RBF, both with botorch's dimension-scaled priors.
        warp: learn a monotone warping of each input axis (botorch ``Warp``); ``"auto"`` fits the model with and
            without warping and keeps the one with the higher (prior-penalised) marginal likelihood.
        outputscale: wrap the kernel in a learned ``ScaleKernel`` (outputs are standardised anyway).
        min_noise: lower bound on the fixed noise, relative to the variance of the observed values (keeps the
            kernel matrix well conditioned when the simulator claims near-zero noise).
        warp_beyond: what the warp does beyond the evaluated points' range on each axis. ``"clamp"`` (default,
            botorch's ``Warp``) maps every point beyond it onto the range's edge, so the GP is flat and as sure as at
            the edge there (README, known issue); ``"extend"`` (``ExtendedWarp``) continues the axis, so uncertainty
            grows with the distance to the data. Inside the range both give the same model. The benchmarks' figures
            are measured with ``"clamp"``, which needed fewer evaluations on most contour tasks (README).
        restarts: initial length scales of the hyperparameter fit, as factors of the prior's mode; each (and each
            warp choice) is fitted and the highest prior-penalised marginal likelihood wins. A function with a cliff
            next to a plateau often has two likelihood modes (a long and a short length scale), and a single start
            from the prior mode then lands in either from one refit to the next (README: the mass-plane task).

    Example:
        >>> X = np.linspace(0, 1, 8)[:, None]; y = np.sin(6 * X[:, 0])
        >>> gp = GPSurrogate().fit(X, y, np.full(8, 1e-4), seed=0)
        >>> mean, var = gp.predict(np.array([[0.5]]))
        >>> bool(abs(mean[0] - np.sin(3.0)) < 0.1)
        True
    """

    name = "gp"

    def __init__(
        self,
        *,
        noise: Literal["known", "inferred"] = "known",
        kernel: Literal["rbf", "matern52"] = "matern52",
        warp: bool | Literal["auto"] = "auto",
        outputscale: bool = False,
        min_noise: float = 1e-5,
        warp_beyond: Literal["clamp", "extend"] = "clamp",
        restarts: Sequence[float] = (1.0,),
    ) -> None:
        if noise not in ("known", "inferred"):
            raise InvalidInputError(f"noise={noise!r} must be 'known' or 'inferred'")
        if kernel not in ("rbf", "matern52"):
            raise InvalidInputError(f"kernel={kernel!r} must be 'rbf' or 'matern52'")
        self.noise = noise
        self.kernel = kernel
        if warp not in (True, False, "auto"):
            raise InvalidInputError(f"warp={warp!r} must be True, False or 'auto'")
        self.warp = warp
        self.outputscale = bool(outputscale)
        self.min_noise = float(min_noise)
        if warp_beyond not in ("clamp", "extend"):
            raise InvalidInputError(f"warp_beyond={warp_beyond!r} must be 'clamp' (botorch's Warp) or 'extend' (continue the axis beyond the evaluated range)")
        self.warp_beyond = warp_beyond
        try:
            self.restarts = tuple(float(f) for f in restarts)
        except (TypeError, ValueError):
            self.restarts = ()
        if not self.restarts or not all(np.isfinite(f) and f > 0 for f in self.restarts):
            raise InvalidInputError(f"restarts={restarts!r} must be a non-empty list of positive length-scale factors, e.g. (1.0, 0.2)")
        self._model: SingleTaskGP | None = None

    def _build(self, X: torch.Tensor, Y: torch.Tensor, Yvar: torch.Tensor | None, warp: bool) -> SingleTaskGP:
        # botorch's dimension-scaled length-scale prior (Hvarfner et al. 2024), RBF or Matern-5/2
        covar = get_covar_module_with_dim_scaled_prior(X.shape[-1], use_rbf_kernel=self.kernel == "rbf")
        if self.outputscale:
            covar = ScaleKernel(covar)
        transform = None
        if warp:
            # learned Kumaraswamy-CDF input warping (Snoek et al. 2014): stretches the part of each axis where the
            # function changes fast (a steep wall next to a plateau), which a stationary kernel cannot do alone
            d = X.shape[-1]
            prior = {"concentration1_prior": LogNormalPrior(0.0, 0.75**0.5), "concentration0_prior": LogNormalPrior(0.0, 0.75**0.5)}
            # normalised by the training points' range; beyond it botorch's Warp clamps (the known issue in the README,
            # tests/surrogates/test_gp_warp.py) and ExtendedWarp continues the axis
            transform = (ExtendedWarp if self.warp_beyond == "extend" else Warp)(d=d, indices=list(range(d)), **prior)
        return SingleTaskGP(X, Y, Yvar, covar_module=covar, outcome_transform=Standardize(m=1), input_transform=transform)

    def fit(self, X: np.ndarray, y: np.ndarray, yvar: np.ndarray | None, *, seed: int) -> GPSurrogate:
        X, y, yvar = training_arrays(X, y, yvar)
        Yvar = self._noise_tensor(y, yvar)
        candidates = [True, False] if self.warp == "auto" else [bool(self.warp)]
        fits = []
        for warp in candidates:
            for i, factor in enumerate(self.restarts):  # ties: the earlier start wins (max keeps the first maximum)
                model = self._build(_as_tensor(X), _as_tensor(y)[:, None], Yvar, warp)
                if factor != 1.0:
                    kernel = getattr(model.covar_module, "base_kernel", model.covar_module)
                    with torch.no_grad():
                        kernel.lengthscale = kernel.lengthscale * factor
                fits.append((self._fit_one(model, seed, quiet=i > 0), model))
        self.log_marginal_likelihood, self._model = max(fits, key=lambda f: f[0])
        self.warped = getattr(self._model, "input_transform", None) is not None
        return self

    def _noise_tensor(self, y: np.ndarray, yvar: np.ndarray | None) -> torch.Tensor | None:
        if self.noise != "known" or yvar is None:
            return None
        floor = self.min_noise * max(float(np.var(y)), 1e-12)
        return _as_tensor(np.maximum(np.asarray(yvar, dtype=float).reshape(-1), floor))[:, None]

    def model_on(self, X: np.ndarray, y: np.ndarray, yvar: np.ndarray | None) -> SingleTaskGP:
        """A GP on other data `(m, d)`, `(m,)` with this fit's hyperparameters (no optimisation: one Cholesky).

        Example:
            >>> X = np.linspace(0, 1, 8)[:, None]; y = np.sin(6 * X[:, 0])
            >>> gp = GPSurrogate(warp=False).fit(X, y, None, seed=0)
            >>> X2 = np.linspace(0, 1, 30)[:, None]
            >>> m = gp.model_on(X2, np.sin(6 * X2[:, 0]), None)
            >>> bool(torch.equal(m.covar_module.lengthscale, gp.model.covar_module.lengthscale))
            True
        """
        y = np.asarray(y, dtype=float).reshape(-1)
        model = self._build(_as_tensor(X), _as_tensor(y)[:, None], self._noise_tensor(y, yvar), self.warped)
        fitted = dict(self.model.named_parameters())
        with torch.no_grad():
            for name, param in model.named_parameters():
                param.copy_(fitted[name])
        return model.eval()

    @staticmethod
    def _fit_one(model: SingleTaskGP, seed: int, *, quiet: bool = False) -> float:
        """Fit hyperparameters (MAP); return the prior-penalised log marginal likelihood per data point.

        An optimiser that stops early (scipy's "ABNORMAL" line search, after botorch's retries) leaves the best point
        it reached; that is logged, not warned about: the fit is compared by its likelihood with the other starts and
        warp choices anyway. ``quiet``: a further start (``restarts``) that fails altogether is not logged either."""
        mll = ExactMarginalLogLikelihood(model.likelihood, model)
        with torch.random.fork_rng(), warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", OptimizationWarning)
            torch.manual_seed(seed)
            try:
                fit_gpytorch_mll(mll)
            except ModelFittingError as err:  # keep the prior-mode hyperparameters rather than stop the scan
                if not quiet:
                    logger.warning("GP hyperparameter fit failed (%s); using the initial hyperparameters", err)
        for w in caught:
            if issubclass(w.category, OptimizationWarning):
                logger.debug("GP hyperparameter fit: %s", w.message)
            else:  # anything else is passed on unchanged
                warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
        model.train()  # in train mode botorch applies the (learned) input transform inside forward()
        with torch.no_grad():
            score = float(mll(model(*model.train_inputs), model.train_targets))
        model.eval()
        return score

    @property
    def model(self) -> SingleTaskGP:
        if self._model is None:
            raise InvalidInputError("the surrogate is not fitted yet; call fit(X, y, yvar, seed=...) first")
        return self._model

    @property
    def is_fitted(self) -> bool:
        return self._model is not None

    def predict(self, X: np.ndarray, *, chunk: int = 256) -> tuple[np.ndarray, np.ndarray]:
        """Posterior mean and variance of the latent function at `(m, d)` unit points (see
        ``posterior_mean_variance``)."""
        return posterior_mean_variance(self.model, X, chunk=chunk)

    def hyperparameters(self) -> Mapping[str, list[float]]:
        """Fitted hyperparameters by name, as actual (constrained) values rather than gpytorch's raw ones."""
        out: dict[str, list[float]] = {}
        for name, raw in self.model.named_parameters():
            owner_path, _, leaf = name.rpartition(".")
            owner = self.model.get_submodule(owner_path) if owner_path else self.model
            value = raw
            if leaf.startswith("raw_") and hasattr(owner, leaf[4:]):
                value, name = getattr(owner, leaf[4:]), f"{owner_path}.{leaf[4:]}" if owner_path else leaf[4:]
            out[name] = [float(v) for v in torch.as_tensor(value).detach().reshape(-1)]
        return out


def posterior_mean_variance(model: SingleTaskGP, X: np.ndarray, *, chunk: int = 256) -> tuple[np.ndarray, np.ndarray]:
    """Posterior mean and variance `(m,)` of the latent function of a botorch GP at `(m, d)` unit points.

    Evaluated in small chunks: botorch builds the full predictive covariance of a batch, so cost grows as chunk^2
    per batch (256 points: ~0.7 s for 16k points with 200 training points, 4096: ~5.5 s).

    Example:
        >>> X = np.linspace(0, 1, 5)[:, None]
        >>> gp = GPSurrogate(warp=False).fit(X, X[:, 0], np.full(5, 1e-6), seed=0)
        >>> mean, var = posterior_mean_variance(gp.model, X[:2])
        >>> np.round(mean, 3).tolist(), bool(np.all(var < 1e-4))
        ([0.0, 0.25], True)
    """
    X = np.asarray(X, dtype=float)
    means, variances = [], []
    with torch.no_grad():
        for start in range(0, len(X), chunk):
            post = model.posterior(_as_tensor(X[start : start + chunk]))
            means.append(post.mean.squeeze(-1).numpy())
            variances.append(post.variance.squeeze(-1).clamp_min(1e-18).numpy())
    if not means:
        return np.zeros(0), np.zeros(0)
    return np.concatenate(means), np.concatenate(variances)
