"""Measuring the Weinberg angle in e+e- -> mu+mu- (SCIENCE.md section 4): a design-aware simulator with exact gold.

One event: the true ``c = cos(theta)`` of the mu- (the latent ``z``) is drawn from the tree-level angular pdf
truncated to the detector acceptance ``|c| < a`` (a = 0.95),

    p(c | theta, phi) = (1 + c^2 + b c) / N_a,   b = A1 / A0,   N_a = 2a + 2a^3 / 3,

then smeared by a Gaussian resolution: ``x = c + resolution * N(0, 1)`` (so x may lie slightly outside +-a).
The design ``phi`` is ``sqrt(s)`` in GeV (and, with ``polarisation=True``, the e- beam polarisation). With a
``luminosity`` the number of events is itself Poisson with mean ``L sigma(theta, phi) * acceptance`` (the
acceptance fraction ``(3a + a^3) / 4`` does not depend on theta because the odd ``b c`` term integrates to 0).

Exact truth: the smearing of a quadratic pdf over an interval has a closed form (truncated-normal moments), so
``p(x | theta, phi) = (G0(x) + b G1(x)) / N_a`` exactly, with ``G0 = int (1 + c^2) N(x; c, s) dc`` and
``G1 = int c N(x; c, s) dc`` over ``|c| < a`` (checked against numerical quadrature in the tests). Gold: the
smearing does not depend on theta, so ``log p(x, z | theta) = log(1 + c^2 + b c) + const`` and

    t_xz = c / (1 + c^2 + b c) * grad_theta b,   log_r_xz = log((1 + c^2 + b c) / (1 + c^2 + b_ref c)).

Example:
    >>> sim = Weinberg(num_events=500)
    >>> out = sim.simulate([0.2312], seed=1, design=[91.1876], gold=True, theta_refs=[[0.22]])
    >>> out.x.shape, out.t_xz.shape, out.log_r_xz.shape
    ((500, 1), (500, 1), (500, 1))
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy.special import ndtr

from active_science.exceptions import InvalidInputError
from active_science.simulation import Simulation
from active_science.simulators.weinberg_physics import ALPHA, G_F, GEV2_TO_NB, MZ, Amplitudes, angular_coefficients
from active_science.space import ParameterSpace

__all__ = ["Weinberg", "PARAMETERS"]

#: parameters theta may hold, in this order: sin^2(theta_W) and G_F in units of 1e-5 GeV^-2
PARAMETERS = ("sin2w", "g_f")

_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def _smeared_moments(x: np.ndarray, resolution: float, a: float) -> tuple[np.ndarray, np.ndarray]:
    """``G0(x) = int_{-a}^{a} (1 + c^2) N(x; c, s) dc`` and ``G1(x) = int c N(x; c, s) dc`` (closed form)."""
    s = resolution
    lo, hi = (-a - x) / s, (a - x) / s
    z = ndtr(hi) - ndtr(lo)
    phi_lo, phi_hi = _INV_SQRT_2PI * np.exp(-0.5 * lo * lo), _INV_SQRT_2PI * np.exp(-0.5 * hi * hi)
    m1 = x * z + s * (phi_lo - phi_hi)  # int c N dc, with c = x + s u
    m2 = x * x * z + 2.0 * x * s * (phi_lo - phi_hi) + s * s * (z + lo * phi_lo - hi * phi_hi)
    return z + m2, m1


def _inverse_cdf(u: np.ndarray, b: np.ndarray, a: float) -> np.ndarray:
    """Solve ``F(c) = u`` for the truncated pdf ``(1 + c^2 + b c) / N_a`` on [-a, a] (safeguarded Newton).

    Inverse-CDF sampling (rather than rejection) makes c a smooth function of (u, theta, phi), so simulations with
    common random numbers vary smoothly across designs and parameters.
    """
    norm = 2.0 * a + 2.0 * a**3 / 3.0
    lo, hi = np.full_like(u, -a), np.full_like(u, a)
    c = -a + 2.0 * a * u
    for _ in range(60):
        f = ((c + a) + (c**3 + a**3) / 3.0 + b * (c * c - a * a) / 2.0) / norm - u
        lo = np.where(f < 0, c, lo)
        hi = np.where(f > 0, c, hi)
        step = f * norm / (1.0 + c * c + b * c)
        new = c - step
        outside = (new < lo) | (new > hi)
        new = np.where(outside, 0.5 * (lo + hi), new)
        if np.max(np.abs(new - c)) < 1e-13:
            return new
        c = new
    return c


class Weinberg:
    """e+e- -> mu+mu- at tree level: theta = (sin2w[, g_f]), design = (sqrt_s[, polarisation]).

    Args:
        parameters: ``("sin2w",)`` or ``("sin2w", "g_f")`` (g_f = G_F / 1e-5 GeV^-2 sets the Z coupling strength).
        num_events: events per simulation when neither ``num_events`` nor a luminosity says otherwise.
        luminosity: integrated luminosity in nb^-1; if set, ``simulate(theta (d,))`` draws a Poisson number of
            events with mean ``luminosity * cross_section(theta, design, fiducial=True)``.
        resolution: Gaussian resolution on cos(theta).
        acceptance: the detector covers ``|c| < acceptance`` (applied to the true c).
        polarisation: add the e- beam polarisation as a second design variable.
        sqrt_s, polarisation_range: design ranges.
        sin2w, g_f: parameter ranges of ``space``.
        fixed_g_f: with g_f not a parameter, the Z coupling from this G_F (None: ``kappa = 1/(4 s2w (1 - s2w))``).
        default_design: the design used when ``simulate`` gets none (default: the Z pole, unpolarised).
    """

    name = "weinberg"
    has_gold = True

    def __init__(
        self,
        *,
        parameters: Sequence[str] = ("sin2w",),
        num_events: int = 1000,
        luminosity: float | None = None,
        resolution: float = 0.05,
        acceptance: float = 0.95,
        polarisation: bool = False,
        sqrt_s: Sequence[float] = (20.0, 130.0),
        polarisation_range: Sequence[float] = (-0.8, 0.8),
        sin2w: Sequence[float] = (0.18, 0.28),
        g_f: Sequence[float] = (1.0, 1.35),
        fixed_g_f: float | None = None,
        default_design: Sequence[float] | None = None,
    ) -> None:
        params = tuple(parameters)
        if params not in (("sin2w",), ("sin2w", "g_f")):
            raise InvalidInputError(f"weinberg: parameters={list(params)} must be ['sin2w'] or ['sin2w', 'g_f']")
        if isinstance(num_events, bool) or not isinstance(num_events, int) or num_events < 1:
            raise InvalidInputError(f"weinberg: num_events={num_events!r} must be an integer >= 1")
        if luminosity is not None and not (isinstance(luminosity, (int, float)) and math.isfinite(luminosity) and luminosity > 0):
            raise InvalidInputError(f"weinberg: luminosity={luminosity!r} must be a positive number of nb^-1 or None")
        if not (isinstance(resolution, (int, float)) and 0 < resolution < 1):
            raise InvalidInputError(f"weinberg: resolution={resolution!r} must lie in (0, 1), e.g. 0.05")
        if not (isinstance(acceptance, (int, float)) and 0 < acceptance <= 1):
            raise InvalidInputError(f"weinberg: acceptance={acceptance!r} must lie in (0, 1], e.g. 0.95")
        if fixed_g_f is not None and not (isinstance(fixed_g_f, (int, float)) and fixed_g_f > 0):
            raise InvalidInputError(f"weinberg: fixed_g_f={fixed_g_f!r} must be a positive number (G_F / 1e-5 GeV^-2) or None")
        if fixed_g_f is not None and "g_f" in params:
            raise InvalidInputError("weinberg: fixed_g_f applies only when g_f is not a parameter; drop one of them")
        self.parameters = params
        self.num_events = num_events
        self.luminosity = None if luminosity is None else float(luminosity)
        self.resolution = float(resolution)
        self.acceptance_edge = float(acceptance)
        self.polarisation = bool(polarisation)
        self.fixed_g_f = None if fixed_g_f is None else float(fixed_g_f)
        self.space = ParameterSpace({"sin2w": tuple(sin2w), **({"g_f": tuple(g_f)} if "g_f" in params else {})})
        dims: dict[str, tuple[float, float]] = {"sqrt_s": (float(sqrt_s[0]), float(sqrt_s[1]))}
        if self.polarisation:
            dims["polarisation"] = (float(polarisation_range[0]), float(polarisation_range[1]))
        self.design_space = ParameterSpace(dims)
        if self.design_space.bounds[0, 0] <= 0:
            raise InvalidInputError(f"weinberg: sqrt_s range {list(sqrt_s)} must be positive GeV")
        if self.polarisation and not (-1 <= self.design_space.bounds[1, 0] and self.design_space.bounds[1, 1] <= 1):
            raise InvalidInputError(f"weinberg: polarisation_range {list(polarisation_range)} must lie within [-1, 1]")
        dflt = default_design if default_design is not None else ([MZ, 0.0] if self.polarisation else [MZ])
        self.default_design = np.asarray(dflt, dtype=float)
        if self.default_design.shape != (self.design_space.dim,):
            raise InvalidInputError(f"weinberg: default_design {list(dflt)} must have {self.design_space.dim} entries")
        a = self.acceptance_edge
        self._norm = 2.0 * a + 2.0 * a**3 / 3.0
        #: fraction of events with |c| < a (independent of theta and design)
        self.acceptance = (3.0 * a + a**3) / 4.0
        self.options = {
            "parameters": list(params), "num_events": num_events, "luminosity": self.luminosity, "resolution": self.resolution,
            "acceptance": self.acceptance_edge, "polarisation": self.polarisation, "sqrt_s": list(dims["sqrt_s"]),
            "polarisation_range": [float(v) for v in polarisation_range], "sin2w": [float(v) for v in sin2w],
            "g_f": [float(v) for v in g_f], "fixed_g_f": self.fixed_g_f, "default_design": self.default_design.tolist(),
        }  # fmt: skip

    # ----------------------------------------------------------------------------------------------- inputs
    @property
    def x_dim(self) -> int:
        return 1

    def _theta(self, theta: Any, n: int | None = None) -> np.ndarray:
        th = np.asarray(theta, dtype=float)
        d = self.space.dim
        if th.ndim == 1 and th.shape == (d,):
            th = th[None, :]
        if th.ndim != 2 or th.shape[1] != d:
            raise InvalidInputError(f"weinberg: theta has shape {th.shape}; pass ({d},) or (n, {d}) values of {list(self.parameters)}")
        if n is not None and len(th) not in (1, n):
            raise InvalidInputError(f"weinberg: theta has {len(th)} rows for {n} events; pass one row or one per event")
        if not np.all(np.isfinite(th)) or np.any(th[:, 0] <= 0) or np.any(th[:, 0] >= 1):
            raise InvalidInputError("weinberg: sin2w must be finite and lie in (0, 1)")
        if d == 2 and np.any(th[:, 1] <= 0):
            raise InvalidInputError("weinberg: g_f must be positive")
        return th

    def _design(self, design: Any, n: int | None = None) -> np.ndarray:
        ds = self.default_design if design is None else np.asarray(design, dtype=float)
        k = self.design_space.dim
        if ds.ndim == 0 and k == 1:
            ds = ds.reshape(1)
        if ds.ndim == 1 and ds.shape == (k,):
            ds = ds[None, :]
        if ds.ndim != 2 or ds.shape[1] != k:
            raise InvalidInputError(f"weinberg: design has shape {ds.shape}; pass ({k},) or (n, {k}) values of {list(self.design_space.names)}")
        if n is not None and len(ds) not in (1, n):
            raise InvalidInputError(f"weinberg: design has {len(ds)} rows for {n} events; pass one row or one per event")
        if not np.all(np.isfinite(ds)) or np.any(ds[:, 0] <= 0):
            raise InvalidInputError("weinberg: sqrt_s must be a positive, finite energy in GeV")
        if k == 2 and np.any(np.abs(ds[:, 1]) > 1):
            raise InvalidInputError("weinberg: polarisation must lie in [-1, 1]")
        return ds

    def amplitudes(self, theta: Any, design: Any = None) -> Amplitudes:
        """A0, A1 and their derivatives at `(d,)`/`(n, d)` theta and `(k,)`/`(n, k)` design (broadcast)."""
        th, ds = self._theta(theta), self._design(design)
        n = max(len(th), len(ds))
        th, ds = np.broadcast_to(th, (n, th.shape[1])), np.broadcast_to(ds, (n, ds.shape[1]))
        if "g_f" in self.parameters:
            g_f = th[:, 1]
        elif self.fixed_g_f is not None:
            g_f = np.full(n, self.fixed_g_f)
        else:
            g_f = None
        pol = ds[:, 1] if self.polarisation else 0.0
        return angular_coefficients(th[:, 0], ds[:, 0], g_f=g_f, g_f_is_parameter="g_f" in self.parameters, polarisation=pol)

    # ----------------------------------------------------------------------------------------------- physics
    def cross_section(self, theta: Any, design: Any = None, *, fiducial: bool = False) -> np.ndarray:
        """`(n,)` total cross section ``4 pi alpha^2 A0 / (3 s)`` in nb (``fiducial``: times the acceptance).

        Example:
            >>> round(float(Weinberg(fixed_g_f=G_F).cross_section([0.2312], [91.19])[0]), 3)   # ref 1.985 nb
            1.985
        """
        amp = self.amplitudes(theta, design)
        s = self._design(design)[:, 0] ** 2
        sigma = 4.0 * math.pi * ALPHA**2 * amp.A0 / (3.0 * s) * GEV2_TO_NB
        return sigma * self.acceptance if fiducial else sigma

    def forward_backward_asymmetry(self, theta: Any, design: Any = None) -> np.ndarray:
        """`(n,)` ``A_FB = 3 A1 / (8 A0)`` over the full angular range."""
        amp = self.amplitudes(theta, design)
        return 3.0 * amp.A1 / (8.0 * amp.A0)

    def angular_pdf(self, c: Any, theta: Any, design: Any = None) -> np.ndarray:
        """`(n,)` the truncated true-angle pdf ``p(c | theta, phi)`` (zero outside the acceptance)."""
        c = np.asarray(c, dtype=float).reshape(-1)
        b = self.amplitudes(theta, design).slope
        inside = np.abs(c) < self.acceptance_edge
        return np.where(inside, (1.0 + c * c + b * c) / self._norm, 0.0)

    # ----------------------------------------------------------------------------------------------- likelihood
    def log_likelihood(self, x: Any, theta: Any, *, design: Any = None) -> np.ndarray:
        """`(n,)` exact ``log p(x_i | theta_i, phi_i)`` for `(n, 1)` events, `(d,)`/`(n, d)` theta, `(k,)`/`(n, k)` design."""
        xs = np.asarray(x, dtype=float).reshape(-1)
        n = len(xs)
        b = self.amplitudes(self._theta(theta, n), self._design(design, n)).slope
        g0, g1 = _smeared_moments(xs, self.resolution, self.acceptance_edge)
        return np.log(np.maximum(g0 + b * g1, 1e-300)) - math.log(self._norm)

    def log_likelihood_matrix(self, x: Any, thetas: Any, *, design: Any = None) -> np.ndarray:
        """`(n, m)` exact ``log p(x_i | theta_j, phi)`` for `(n, 1)` events, `(m, d)` thetas and one `(k,)` design."""
        xs = np.asarray(x, dtype=float).reshape(-1)
        ds = self._design(design)
        if len(ds) != 1:
            raise InvalidInputError("weinberg: log_likelihood_matrix takes one design (k,); call log_likelihood per design")
        b = self.amplitudes(self._theta(thetas), ds).slope
        g0, g1 = _smeared_moments(xs, self.resolution, self.acceptance_edge)
        return np.log(np.maximum(g0[:, None] + g1[:, None] * b[None, :], 1e-300)) - math.log(self._norm)

    # ----------------------------------------------------------------------------------------------- simulation
    def simulate(
        self,
        theta: np.ndarray,
        *,
        seed: int,
        num_events: int | None = None,
        design: np.ndarray | None = None,
        gold: bool = False,
        theta_refs: np.ndarray | None = None,
    ) -> Simulation:
        """Draw events at ``theta`` (`(d,)`, or `(n, d)`: one point per event) and ``design`` (`(k,)` or `(n, k)`).

        Returns ``x`` `(n, 1)` (the smeared cos(theta)); with ``gold`` also ``t_xz`` `(n, d)` and, for each row of
        ``theta_refs`` `(r, d)`, ``log_r_xz`` `(n, r)`. With a luminosity and a single theta and design, the number
        of events is Poisson and the count's own gold goes to ``meta`` (``count_score_<name>``, ``count_log_r_<k>``).
        """
        th_in, ds_in = self._theta(theta), self._design(design)
        rng = np.random.default_rng(seed)
        meta: dict[str, float] = {"acceptance": self.acceptance}
        poisson = False
        if len(th_in) > 1 or len(ds_in) > 1:
            n = max(len(th_in), len(ds_in))
            if num_events is not None and int(num_events) != n:
                raise InvalidInputError(f"weinberg: num_events={num_events} but {n} per-event thetas/designs were given")
        elif num_events is not None:
            if isinstance(num_events, bool) or not isinstance(num_events, (int, np.integer)) or num_events < 0:
                raise InvalidInputError(f"weinberg: num_events={num_events!r} must be an integer >= 0")
            n = int(num_events)
        elif self.luminosity is not None:
            poisson = True
            nu = float(self.luminosity * self.cross_section(th_in, ds_in, fiducial=True)[0])
            n = int(rng.poisson(nu))
            meta.update(expected_events=nu, luminosity=self.luminosity)
        else:
            n = self.num_events
        th = np.array(np.broadcast_to(th_in, (n, th_in.shape[1])))
        ds = np.array(np.broadcast_to(ds_in, (n, ds_in.shape[1])))
        amp = self.amplitudes(th, ds) if n else None
        b = amp.slope if amp is not None else np.zeros(0)
        c = _inverse_cdf(rng.random(n), b, self.acceptance_edge)
        x = c + self.resolution * rng.standard_normal(n)
        meta.update(num_events=float(n), cross_section_nb=float(self.cross_section(th_in[:1], ds_in[:1])[0]))
        if not gold:
            if theta_refs is not None:
                raise InvalidInputError("weinberg: theta_refs needs gold=True")
            return Simulation(x=x[:, None], theta=th, design=ds, meta=meta)
        dens = 1.0 + c * c + b * c
        t_xz = (c / dens)[:, None] * amp.dslope if amp is not None else np.zeros((0, th.shape[1]))
        log_r = refs = None
        if theta_refs is not None:
            refs = self._theta(theta_refs)
            b_ref = self.amplitudes(refs, ds_in[:1]).slope if len(ds_in) == 1 else None
            cols = []
            for k, ref in enumerate(refs):
                bk = b_ref[k] if b_ref is not None else (self.amplitudes(ref, ds).slope if n else np.zeros(0))
                cols.append(np.log(dens) - np.log(1.0 + c * c + bk * c))
            log_r = np.stack(cols, axis=1) if cols else np.zeros((n, 0))
        if poisson:
            self._count_gold(meta, n, th_in, ds_in, refs)
        return Simulation(x=x[:, None], theta=th, design=ds, t_xz=t_xz, log_r_xz=log_r, theta_refs=refs, meta=meta)

    def _count_gold(self, meta: dict[str, float], n: int, theta: np.ndarray, design: np.ndarray, refs: np.ndarray | None) -> None:
        """Gold of the Poisson count: ``d/dtheta log Pois(n; nu) = (n - nu) dlog A0/dtheta`` and its log ratios."""
        amp = self.amplitudes(theta, design)
        nu = meta["expected_events"]
        for name, dlog in zip(self.parameters, amp.dA0[0] / amp.A0[0]):
            meta[f"count_score_{name}"] = (n - nu) * float(dlog)
        if refs is not None:
            nu_ref = self.luminosity * self.cross_section(refs, design, fiducial=True)  # type: ignore[operator]
            for k, nr in enumerate(nu_ref):
                meta[f"count_log_r_{k}"] = n * math.log(nu / nr) - (nu - nr)
