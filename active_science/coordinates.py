"""Model coordinates: a linear reparameterisation in which a contour is smoother (e.g. (m_parent, m_parent - m_lsp)).

Users keep their own coordinates everywhere (points, results, plots); only the unit cube that strategies and
surrogates work in is spanned by the model coordinates ``phi = A theta + c``. The cube's bounds are the tight
bounding box of the feasible region, computed exactly by linear programming (scipy's HiGHS) when the constraints
are linear, or from the box's image otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from scipy.optimize import linprog

from active_science.exceptions import SpaceError

__all__ = ["LinearCoordinates"]


class LinearCoordinates:
    """``phi = A theta + c`` with named rows; ``A`` must be square and invertible.

    Args:
        expressions: mapping ``new_name -> linear expression`` over the original names (``"m_parent - m_lsp"``).
        names: the original dimension names, in order.
    """

    def __init__(self, expressions: Mapping[str, str], names: Sequence[str]) -> None:
        from active_science.space import parse_linear_expression

        if not isinstance(expressions, Mapping) or len(expressions) != len(names):
            raise SpaceError(
                f"coordinates={expressions!r} must map {len(names)} new names to linear expressions over {list(names)}"
            )
        rows, offsets = [], []
        for new, expr in expressions.items():
            if not isinstance(new, str) or not new.isidentifier():
                raise SpaceError(f"coordinate name {new!r} is not a valid identifier")
            if not isinstance(expr, str):
                raise SpaceError(f"coordinate {new!r}: {expr!r} must be a linear expression as text, e.g. 'm_parent - m_lsp'")
            coef, const = parse_linear_expression(expr, names, context=f"coordinate {new!r}")
            rows.append(coef)
            offsets.append(const)
        self.names = tuple(expressions)
        self.expressions = dict(expressions)
        self.A = np.array(rows, dtype=float)
        self.c = np.array(offsets, dtype=float)
        if abs(np.linalg.det(self.A)) < 1e-12:
            raise SpaceError(f"coordinates {dict(expressions)!r} are not invertible (linearly dependent); give independent combinations")
        self.A_inv = np.linalg.inv(self.A)

    def forward(self, theta: np.ndarray) -> np.ndarray:
        return theta @ self.A.T + self.c

    def inverse(self, phi: np.ndarray) -> np.ndarray:
        return (phi - self.c) @ self.A_inv.T

    def bounds(self, low: np.ndarray, high: np.ndarray, constraints: Sequence[tuple[np.ndarray, float]]) -> np.ndarray:
        """`(2, d)` tight bounds of phi over ``{low <= theta <= high, a . theta <= r}``."""
        d = len(low)
        out = np.empty((2, d))
        A_ub = np.array([a for a, _ in constraints]).reshape(-1, d) if constraints else None
        b_ub = np.array([r for _, r in constraints]) if constraints else None
        for j in range(d):
            for k, sign in enumerate((1.0, -1.0)):
                res = linprog(sign * self.A[j], A_ub=A_ub, b_ub=b_ub, bounds=list(zip(low, high)), method="highs")
                if res.status != 0:
                    raise SpaceError(f"coordinate {self.names[j]!r}: the feasible region is empty or unbounded ({res.message})")
                out[k, j] = sign * res.fun + self.c[j]
        if np.any(out[1] - out[0] <= 0):
            raise SpaceError(f"coordinates {self.expressions!r} collapse the feasible region to zero width")
        return out
