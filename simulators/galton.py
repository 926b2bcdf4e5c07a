"""Generalised Galton board (Brehmer, Louppe, Pavez, Cranmer 1805.12244): a random walk whose likelihood is exact.

A ball starts at position ``n_nails // 2`` and falls through ``n_rows`` rows. At row ``level`` and position ``pos``
it goes left with probability (SCIENCE.md section 4)

    p_left(theta) = 0.5 (1 - sin(pi v)) + sin(pi v) sigmoid(10 theta h),   v = level / (n_rows - 1),
                                                                          h = 2 pos / (n_nails - 1) - 1.

On even rows left keeps ``pos`` and right moves to ``pos + 1``; on odd rows left moves to ``pos - 1`` and right keeps
it. The observation is the final position. The latent ``z`` is the path: ``log p(x, z | theta)`` is the sum of the
log probabilities of the turns taken, which gives the joint ratio and the joint score of a frozen path at any theta.
``p(x | theta)`` is exact by forward dynamic programming over ``(row, position)``, with its theta-derivative carried
along (forward-mode), so the marginal ratio and score are exact too.
"""

from __future__ import annotations

import math

import numpy as np

from active_science.exceptions import InvalidInputError
from active_science.simulation import Simulation
from active_science.simulators._events import event_thetas, reference_points
from active_science.space import ParameterSpace

__all__ = ["GaltonBoard"]

# largest number of (event, reference, row) terms evaluated at once when computing joint ratios
_BLOCK = 1 << 21


class GaltonBoard:
    """The generalised Galton board with one parameter ``theta``.

    Args:
        n_rows: rows of nails (levels).
        n_nails: nails per row; the ball starts at ``n_nails // 2`` and must never reach the edges.
        theta_range: bounds of the parameter space (the reference setup trains on ``[-1, -0.4]``).
        num_events: balls per call when ``theta`` is a single point and ``num_events`` is not given.

    Example:
        >>> board = GaltonBoard()
        >>> p = board.probabilities(np.array([-0.6]))[0]
        >>> round(float(p.sum()), 12), int(p.argmax())
        (1.0, 17)
    """

    name = "galton"
    has_gold = True

    def __init__(
        self,
        *,
        n_rows: int = 20,
        n_nails: int = 31,
        theta_range: tuple[float, float] = (-1.0, -0.4),
        num_events: int = 1000,
    ) -> None:
        for label, v in (("n_rows", n_rows), ("n_nails", n_nails), ("num_events", num_events)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 2 - (label == "num_events"):
                raise InvalidInputError(f"galton: {label}={v!r} must be an integer >= 2")
        # the walk spreads by one position every two rows: it must stay strictly inside the board
        if (n_rows + 1) // 2 >= n_nails // 2:
            raise InvalidInputError(
                f"galton: n_rows={n_rows} lets the ball reach the edge of n_nails={n_nails}; use n_nails > n_rows + 2"
            )
        self.n_rows = n_rows
        self.n_nails = n_nails
        self.start = n_nails // 2
        self.num_events = num_events
        self.space = ParameterSpace({"theta": tuple(theta_range)})
        self.options = {"n_rows": n_rows, "n_nails": n_nails, "theta_range": list(theta_range), "num_events": num_events}
        self._sin = np.sin(math.pi * np.arange(n_rows) / (n_rows - 1))  # (rows,)

    # ------------------------------------------------------------------------------------------------ nails
    @property
    def support(self) -> np.ndarray:
        """`(n_nails, 1)` every value ``x`` can take (final positions; those never reached have probability 0)."""
        return np.arange(self.n_nails, dtype=float)[:, None]

    def p_left(self, theta: np.ndarray, level: np.ndarray, pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Probability of going left and its theta-derivative, broadcast over ``theta``, ``level``, ``pos``."""
        s = self._sin[level]
        h = 2.0 * pos / (self.n_nails - 1) - 1.0
        sig = 0.5 * (1.0 + np.tanh(5.0 * theta * h))  # sigmoid(10 theta h), overflow-free
        p = 0.5 * (1.0 - s) + s * sig
        dp = s * sig * (1.0 - sig) * 10.0 * h
        return p, dp

    # ------------------------------------------------------------------------------------------------ simulate
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
        """Drop balls at ``theta`` `(1,)` or `(n, 1)`; ``x`` `(n, 1)` is the final position (an integer, as float).

        With ``gold``: ``t_xz`` `(n, 1)` at each event's theta and ``log_r_xz`` `(n, n_refs)` against ``theta_refs``,
        both from the frozen path.
        """
        if design is not None:
            raise InvalidInputError("galton has no design variables; call simulate(theta, seed=...) without design")
        th = event_thetas(self.name, theta, 1, num_events, self.num_events)
        refs = reference_points(self.name, theta_refs, 1, gold)
        n = th.shape[0]
        a = th[:, 0]
        u = np.random.default_rng(seed).random((n, self.n_rows))
        pos = np.full(n, self.start, dtype=np.int64)
        positions = np.empty((n, self.n_rows), dtype=np.int64)
        lefts = np.empty((n, self.n_rows), dtype=bool)
        for level in range(self.n_rows):
            p, _ = self.p_left(a, np.full(n, level), pos)
            left = u[:, level] < p
            positions[:, level] = pos
            lefts[:, level] = left
            pos = pos + ~left if level % 2 == 0 else pos - left
        x = pos.astype(float)[:, None]
        if not gold:
            return Simulation(x=x, theta=th)
        levels = np.arange(self.n_rows)
        p, dp = self.p_left(a[:, None], levels[None, :], positions)
        t_xz = np.sum(np.where(lefts, dp / p, -dp / (1.0 - p)), axis=1)[:, None]
        log_r = None
        if refs is not None:
            own = self._path_log_prob(a[:, None], positions, lefts)  # (n, 1)
            log_r = own - self.path_log_prob(positions, lefts, refs[:, 0])
        return Simulation(x=x, theta=th, t_xz=t_xz, log_r_xz=log_r, theta_refs=refs)

    def _path_log_prob(self, theta: np.ndarray, positions: np.ndarray, lefts: np.ndarray) -> np.ndarray:
        """``log p(x, z | theta)`` `(n, k)` of paths `(n, rows)` at thetas broadcastable to `(n, k)`."""
        levels = np.arange(self.n_rows)
        p, _ = self.p_left(theta[..., None], levels, positions[:, None, :])
        return np.sum(np.where(lefts[:, None, :], np.log(p), np.log1p(-p)), axis=-1)

    def path_log_prob(self, positions: np.ndarray, lefts: np.ndarray, thetas: np.ndarray) -> np.ndarray:
        """Joint log likelihood `(n, k)` of `(n, rows)` frozen paths at each of `(k,)` parameter values."""
        n = positions.shape[0]
        step = max(1, _BLOCK // max(1, n * self.n_rows))
        cols = [self._path_log_prob(thetas[None, j : j + step], positions, lefts) for j in range(0, len(thetas), step)]
        return np.concatenate(cols, axis=1)

    # ------------------------------------------------------------------------------------------------ exact
    def probabilities(self, theta: np.ndarray) -> np.ndarray:
        """Exact ``p(x | theta)`` `(m, n_nails)` over final positions, for `(m,)` parameter values."""
        return self._forward(np.asarray(theta, dtype=float).reshape(-1))[0]

    def _forward(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        m = theta.shape[0]
        P = np.zeros((m, self.n_nails))
        dP = np.zeros((m, self.n_nails))
        P[:, self.start] = 1.0
        nails = np.arange(self.n_nails)
        for level in range(self.n_rows):
            p, dp = self.p_left(theta[:, None], np.full(self.n_nails, level), nails[None, :])
            left, right = P * p, P * (1.0 - p)
            dleft, dright = dP * p + P * dp, dP * (1.0 - p) - P * dp
            if level % 2 == 0:  # left stays, right moves to pos + 1
                P, dP = left.copy(), dleft.copy()
                P[:, 1:] += right[:, :-1]
                dP[:, 1:] += dright[:, :-1]
            else:  # left moves to pos - 1, right stays
                P, dP = right.copy(), dright.copy()
                P[:, :-1] += left[:, 1:]
                dP[:, :-1] += dleft[:, 1:]
        return P, dP

    def _at_events(self, x: np.ndarray, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        x = np.asarray(x, dtype=float).reshape(-1)
        th = np.broadcast_to(np.asarray(theta, dtype=float).reshape(-1, 1)[:, 0], x.shape)
        values, inverse = np.unique(th, return_inverse=True)
        P, dP = self._forward(values)
        idx = np.rint(x).astype(np.int64)
        valid = (idx == x) & (idx >= 0) & (idx < self.n_nails)
        idx = np.where(valid, idx, 0)
        return np.where(valid, P[inverse, idx], 0.0), np.where(valid, dP[inverse, idx], 0.0)

    def log_likelihood(self, x: np.ndarray, theta: np.ndarray, *, design: np.ndarray | None = None) -> np.ndarray:
        """Exact ``log p(x_i | theta_i)`` `(n,)` for `(n, 1)` positions and `(1,)` or `(n, 1)` theta
        (``-inf`` where a position cannot be reached).

        Example:
            >>> b = GaltonBoard()
            >>> bool(np.all(np.isfinite(b.log_likelihood(np.array([[5.0], [25.0]]), np.array([-0.8])))))
            True
        """
        p, _ = self._at_events(x, theta)
        with np.errstate(divide="ignore"):
            return np.log(p)

    def score(self, x: np.ndarray, theta: np.ndarray) -> np.ndarray:
        """Exact marginal score ``t(x | theta) = d log p(x | theta) / d theta``, `(n, 1)`."""
        p, dp = self._at_events(x, theta)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(p > 0, dp / np.where(p > 0, p, 1.0), 0.0)[:, None]
