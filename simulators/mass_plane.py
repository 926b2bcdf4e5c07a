"""Mass-plane counting toy: the default exclusion-contour scan (SCIENCE.md section 4).

A pair of parents of mass ``m_parent`` (wino-like chargino/neutralino, pp at 13 TeV) each decays at rest-frame
momentum ``p* = (M^2 - m^2) / 2M`` into an invisible LSP of mass ``m_lsp`` and a massless visible particle,
isotropically. The analysis keeps events whose two visible transverse momenta both exceed ``pt_cut``; for an isotropic
two-body decay ``P(p* sin(theta) > c) = sqrt(1 - (c/p*)^2)``, so the exact selection efficiency is
``eff = 1 - (c/p*)^2`` (0 below threshold). One "simulation" draws ``num_events`` decays and estimates ``eff`` by
counting, so the CLs computed from it is noisy with a known (binomial, delta-method) variance, while the exact CLs
is known in closed form on any grid.

Signal ``s = L * sigma(M) * A * eff``; ``sigma(M)`` is a three-parameter fit (within 5 % from 100 to 1000 GeV) to
the LHC SUSY cross-section working group's NLO+NLL wino C1N2 table; ``A`` lumps branching ratio and detector
acceptance. The observed count and the known background make a single-bin CLs (q_tilde asymptotics).
"""

from __future__ import annotations

import math

import numpy as np

from active_science.evaluation import Observation
from active_science.exceptions import InvalidInputError
from active_science.simulation import Simulation
from active_science.space import ParameterSpace
from active_science.stats.counting import counting_cls

__all__ = ["MassPlane", "MassPlaneCLs", "wino_cross_section_fb"]

# log sigma[fb] = a + b log(M/100) + c (M/100), least-squares fit to the LHC SUSY XS WG wino N2C1 envelope table
_XSEC_FIT = (10.24054869, -3.16943692, -0.26211741)


def wino_cross_section_fb(m_parent: np.ndarray | float) -> np.ndarray:
    """NLO+NLL pp -> C1 N2 (wino) cross section at 13 TeV in fb (fit, 5 % accurate for 100-1000 GeV).

    Example:
        >>> round(float(wino_cross_section_fb(500.0)), 1)   # LHC SUSY xsec WG table: 46.4 fb
        46.0
    """
    x = np.asarray(m_parent, dtype=float) / 100.0
    a, b, c = _XSEC_FIT
    return np.exp(a + b * np.log(x) + c * x)


def _decay_momentum(theta: np.ndarray) -> np.ndarray:
    m, mlsp = theta[..., 0], theta[..., 1]
    return np.maximum(m * m - mlsp * mlsp, 0.0) / (2.0 * m)


class MassPlaneCLs:
    """The analysis: select events with both visible pT > cut, count, and compute CLs with its MC variance."""

    def __init__(self, *, luminosity_ifb: float, acceptance: float, pt_cut: float, background: float, observed: float) -> None:
        self.luminosity_ifb = luminosity_ifb
        self.acceptance = acceptance
        self.pt_cut = pt_cut
        self.background = background
        self.observed = observed

    def signal(self, theta: np.ndarray, efficiency: np.ndarray | float) -> np.ndarray:
        theta = np.asarray(theta, dtype=float)
        return self.luminosity_ifb * wino_cross_section_fb(theta[..., 0]) * self.acceptance * np.asarray(efficiency)

    def cls(self, signal: np.ndarray | float) -> np.ndarray:
        return counting_cls(self.observed, np.maximum(signal, 0.0), self.background).cls

    def __call__(self, simulation: Simulation, theta: np.ndarray) -> Observation:
        n_gen = len(simulation)
        n_pass = int(np.count_nonzero(np.all(simulation.x > self.pt_cut, axis=1)))
        eff = n_pass / n_gen
        s = float(self.signal(theta, eff))
        cls = float(self.cls(s))
        # binomial variance of eff (with a +1/2 continuity correction so 0 or n_gen passes keep a finite variance),
        # propagated to log CLs by the delta method with a central finite difference in s
        p = (n_pass + 0.5) / (n_gen + 1.0)
        sd_s = float(self.signal(theta, math.sqrt(p * (1.0 - p) / n_gen)))
        h = max(1e-4 * s, 1e-3 * sd_s, 1e-9)
        lo, hi = float(self.cls(max(s - h, 0.0))), float(self.cls(s + h))
        dlog = (math.log(max(hi, 1e-300)) - math.log(max(lo, 1e-300))) / (s + h - max(s - h, 0.0))
        var_log = (dlog * sd_s) ** 2
        return Observation(cls, var_log * cls * cls)


class MassPlane:
    """Counting experiment over ``(m_parent, m_lsp)`` with an MC-estimated signal efficiency.

    Args:
        luminosity_ifb: integrated luminosity in fb^-1.
        acceptance: branching ratio x acceptance applied on top of the simulated kinematic selection.
        pt_cut: visible transverse-momentum cut in GeV.
        background: known expected background count.
        observed: observed event count.
        num_events: decays simulated per evaluation (sets the MC noise).
        m_parent, m_lsp: scan ranges in GeV (the constraint ``m_lsp < m_parent`` always applies).

    Example:
        >>> sim = MassPlane()
        >>> obs = sim.default_statistic()(sim.simulate([400.0, 100.0], seed=1), [400.0, 100.0])
        >>> bool(obs.value < 0.05), bool(sim.truth_cls([400.0, 100.0]) < 0.05)
        (True, True)
    """

    name = "mass_plane"
    has_gold = False

    def __init__(
        self,
        *,
        luminosity_ifb: float = 139.0,
        acceptance: float = 0.003,
        pt_cut: float = 50.0,
        background: float = 10.0,
        observed: float = 10.0,
        num_events: int = 2000,
        m_parent: tuple[float, float] = (100.0, 800.0),
        m_lsp: tuple[float, float] = (0.0, 600.0),
    ) -> None:
        for label, v in (("luminosity_ifb", luminosity_ifb), ("acceptance", acceptance), ("background", background)):
            if not (isinstance(v, (int, float)) and math.isfinite(v) and v > 0):
                raise InvalidInputError(f"mass_plane: {label}={v!r} must be a positive number")
        if not (isinstance(observed, (int, float)) and observed >= 0):
            raise InvalidInputError(f"mass_plane: observed={observed!r} must be a count >= 0")
        if not (isinstance(num_events, int) and num_events >= 10):
            raise InvalidInputError(f"mass_plane: num_events={num_events!r} must be an integer >= 10")
        if not (isinstance(pt_cut, (int, float)) and pt_cut >= 0):
            raise InvalidInputError(f"mass_plane: pt_cut={pt_cut!r} must be >= 0 GeV")
        self.num_events = num_events
        self.pt_cut = float(pt_cut)
        self.analysis = MassPlaneCLs(
            luminosity_ifb=luminosity_ifb, acceptance=acceptance, pt_cut=pt_cut, background=background, observed=observed
        )
        # model coordinates (m_parent, m_parent - m_lsp): the boundary hugs the diagonal (threshold p* = pt_cut), which
        # these coordinates make axis-aligned so the GP's input warping can stretch it (SCIENCE.md section 6)
        self.space = ParameterSpace(
            {"m_parent": tuple(m_parent), "m_lsp": tuple(m_lsp)},
            constraint="m_lsp < m_parent",
            coordinates={"m_parent": "m_parent", "dm": "m_parent - m_lsp"},
        )
        if self.space.bounds[0, 0] <= 0:
            raise InvalidInputError(f"mass_plane: m_parent range {m_parent} must be positive")
        self.options = {
            "luminosity_ifb": luminosity_ifb, "acceptance": acceptance, "pt_cut": pt_cut, "background": background,
            "observed": observed, "num_events": num_events, "m_parent": list(m_parent), "m_lsp": list(m_lsp),
        }  # fmt: skip

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
        """Draw decays at ``theta`` `(2,)`; ``x`` holds the two visible pT per event, `(num_events, 2)`."""
        if design is not None or gold or theta_refs is not None:
            raise InvalidInputError("mass_plane has no design variables and no gold; call simulate(theta, seed=...)")
        theta = np.asarray(theta, dtype=float)
        if theta.shape != (2,):
            raise InvalidInputError(f"mass_plane: theta has shape {theta.shape}; pass (m_parent, m_lsp)")
        n = self.num_events if num_events is None else int(num_events)
        rng = np.random.default_rng(seed)
        cos = rng.uniform(-1.0, 1.0, size=(n, 2))
        pt = _decay_momentum(theta) * np.sqrt(1.0 - cos * cos)
        return Simulation(x=pt, theta=np.broadcast_to(theta, (n, 2)), meta={"num_generated": n})

    def default_statistic(self) -> MassPlaneCLs:
        return self.analysis

    def efficiency(self, theta: np.ndarray) -> np.ndarray:
        """Exact selection efficiency ``(1 - (c/p*)^2)_+`` at `(..., 2)` points."""
        p_star = _decay_momentum(np.asarray(theta, dtype=float))
        ratio = self.pt_cut / np.maximum(p_star, max(self.pt_cut, 1e-300))
        return np.where(p_star > self.pt_cut, 1.0 - ratio**2, 0.0)

    def truth_cls(self, theta: np.ndarray) -> np.ndarray:
        """Exact CLs (infinite MC statistics) at `(..., 2)` points."""
        theta = np.asarray(theta, dtype=float)
        return self.analysis.cls(self.analysis.signal(theta, self.efficiency(theta)))
