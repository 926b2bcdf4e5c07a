"""Tree-level e+e- -> mu+mu- with photon and Z exchange (massless fermions), with exact parameter derivatives.

SCIENCE.md section 4: with ``c = cos(theta)`` of the mu- w.r.t. the e- beam,

    dsigma/dc = (pi alpha^2 / 2s) [A0 (1 + c^2) + A1 c],   sigma = 4 pi alpha^2 A0 / (3s),   A_FB = 3 A1 / (8 A0).

We compute A0 and A1 from the four helicity amplitudes ``M_ij = 1 + chi a_i a_j`` (i = e- helicity, j = mu-
helicity, ``a_L = c_V + c_A``, ``a_R = c_V - c_A``, ``chi = kappa s / (s - MZ^2 + i MZ GZ)``): same helicities go as
``(1 + c)^2``, opposite ones as ``(1 - c)^2``. Unpolarised this is exactly SCIENCE.md's
``A0 = 1 + 2 Re(chi) c_V^2 + |chi|^2 (c_V^2 + c_A^2)^2`` and ``A1 = 4 Re(chi) c_A^2 + 8 |chi|^2 c_V^2 c_A^2``; a
longitudinal e- beam polarisation ``P`` (``+1`` = right-handed, positrons unpolarised) weights the e- helicities by
``1 + P`` (R) and ``1 - P`` (L). Writing the cross section as a sum of squares also proves the angular pdf is
non-negative for every input.

Parameters: ``sin2w`` (``c_V = -1/2 + 2 sin2w``, ``c_A = -1/2``) and, optionally, ``g_f`` = G_F in units of
``1e-5 GeV^-2``, which sets ``kappa = sqrt(2) G_F MZ^2 / (4 pi alpha)`` (else ``kappa = 1 / (4 sin2w (1 - sin2w))``,
the two agree to 2e-4 at sin2w = 0.2312). Derivatives of A0 and A1 are written out by the chain rule (checked
against finite differences in the tests), so gold scores need no autograd.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = [
    "MZ",
    "GZ",
    "ALPHA",
    "GEV2_TO_NB",
    "G_F",
    "Amplitudes",
    "angular_coefficients",
]

#: Z mass and width in GeV, alpha(MZ), GeV^-2 -> nb conversion, Fermi constant in 1e-5 GeV^-2 (SCIENCE.md section 4)
MZ = 91.1876
GZ = 2.4952
ALPHA = 1.0 / 128.9
GEV2_TO_NB = 0.3894e6
G_F = 1.1663787


@dataclass(frozen=True)
class Amplitudes:
    """Angular coefficients and their derivatives w.r.t. the parameters.

    Attributes:
        A0: `(n,)` coefficient of ``1 + c^2``.
        A1: `(n,)` coefficient of ``c``.
        dA0: `(n, d)` derivatives of A0 w.r.t. the parameters (sin2w first, then g_f if it is a parameter).
        dA1: `(n, d)` derivatives of A1.
    """

    A0: np.ndarray
    A1: np.ndarray
    dA0: np.ndarray
    dA1: np.ndarray

    @property
    def slope(self) -> np.ndarray:
        """`(n,)` ``b = A1 / A0``: the normalised angular pdf is ``(1 + c^2 + b c) / (8/3)``."""
        return self.A1 / self.A0

    @property
    def dslope(self) -> np.ndarray:
        """`(n, d)` derivatives of ``b`` w.r.t. the parameters."""
        return (self.dA1 - self.slope[:, None] * self.dA0) / self.A0[:, None]


def angular_coefficients(
    sin2w: np.ndarray,
    sqrt_s: np.ndarray,
    *,
    g_f: np.ndarray | None = None,
    g_f_is_parameter: bool = False,
    polarisation: np.ndarray | float = 0.0,
) -> Amplitudes:
    """A0, A1 and their parameter derivatives, vectorised over events.

    Args:
        sin2w: `(n,)` weak mixing angle sin^2(theta_W).
        sqrt_s: `(n,)` centre-of-mass energy in GeV.
        g_f: `(n,)` Fermi constant in 1e-5 GeV^-2, or None (kappa from sin2w).
        g_f_is_parameter: include d/dg_f as a second column of the derivatives.
        polarisation: `(n,)` or scalar e- beam polarisation in [-1, 1].

    Example:
        >>> amp = angular_coefficients(np.array([0.2312]), np.array([35.0]), g_f=np.array([G_F]))
        >>> round(float(3 * amp.A1[0] / (8 * amp.A0[0])), 3)   # SCIENCE.md ref: A_FB(35 GeV) = -0.091
        -0.091
    """
    sw = np.asarray(sin2w, dtype=float).reshape(-1)
    rs = np.broadcast_to(np.asarray(sqrt_s, dtype=float).reshape(-1), sw.shape)
    pol = np.broadcast_to(np.asarray(polarisation, dtype=float).reshape(-1), sw.shape)
    s = rs * rs
    rho = s / (s - MZ * MZ + 1j * MZ * GZ)  # chi = kappa * rho
    re_rho, abs2_rho = rho.real, np.abs(rho) ** 2
    if g_f is None:
        kappa = 1.0 / (4.0 * sw * (1.0 - sw))
        dkappa_dsw = -kappa * (1.0 - 2.0 * sw) / (sw * (1.0 - sw))
        dkappa_dgf = np.zeros_like(sw)
    else:
        gf = np.broadcast_to(np.asarray(g_f, dtype=float).reshape(-1), sw.shape)
        kappa = math.sqrt(2.0) * gf * 1e-5 * MZ * MZ / (4.0 * math.pi * ALPHA)
        dkappa_dsw = np.zeros_like(sw)
        dkappa_dgf = kappa / gf
    c_v, c_a = -0.5 + 2.0 * sw, -0.5
    a = {"L": c_v + c_a, "R": c_v - c_a}  # d a / d sin2w = 2 for both
    helicity = {"L": -1.0, "R": 1.0}
    A0 = np.zeros_like(sw)
    A1 = np.zeros_like(sw)
    dA0 = np.zeros((len(sw), 2))
    dA1 = np.zeros((len(sw), 2))
    for i in ("L", "R"):
        w = 1.0 + pol * helicity[i]
        for j in ("L", "R"):
            q = a[i] * a[j]
            dq_dsw = 2.0 * (a[i] + a[j])
            m2 = 1.0 + 2.0 * kappa * re_rho * q + kappa * kappa * abs2_rho * q * q  # |1 + kappa rho q|^2
            dm2_dkappa = 2.0 * re_rho * q + 2.0 * kappa * abs2_rho * q * q
            dm2_dq = 2.0 * kappa * re_rho + 2.0 * kappa * kappa * abs2_rho * q
            dm2_dsw = dm2_dkappa * dkappa_dsw + dm2_dq * dq_dsw
            dm2_dgf = dm2_dkappa * dkappa_dgf
            sign = 1.0 if i == j else -1.0
            A0 += w * m2 / 4.0
            A1 += sign * w * m2 / 2.0
            dA0 += (w / 4.0)[:, None] * np.stack([dm2_dsw, dm2_dgf], axis=1)
            dA1 += (sign * w / 2.0)[:, None] * np.stack([dm2_dsw, dm2_dgf], axis=1)
    ncol = 2 if g_f_is_parameter else 1
    return Amplitudes(A0=A0, A1=A1, dA0=dA0[:, :ncol], dA1=dA1[:, :ncol])
