"""ParameterSpace: named bounded dimensions, log scales, constraints and unit-cube transforms.

Every strategy works in the unit cube ``[0, 1]^d`` (where GP length-scale priors are meaningful); users see the
space's own coordinates. Constraints are either linear inequalities written as text (``"m_lsp < m_parent"``, parsed
safely, never ``eval``-ed, storable in a study file and usable by gradient-based acquisition optimisers), or any
Python callable returning a boolean mask (not storable: resume it from Python with the same callable).
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy.stats import qmc

from active_science.coordinates import LinearCoordinates
from active_science.exceptions import SpaceError
from active_science.seeding import as_generator

__all__ = ["Dimension", "LinearConstraint", "ParameterSpace"]

SampleMethod = Literal["random", "sobol", "lhs"]


@dataclass(frozen=True)
class Dimension:
    """One named, bounded dimension; ``log=True`` maps it to the unit interval on a log scale."""

    name: str
    low: float
    high: float
    log: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.isidentifier():
            raise SpaceError(f"dimension name {self.name!r} is not a valid identifier; use names like 'm_parent'")
        for label, v in (("low", self.low), ("high", self.high)):
            if isinstance(v, bool) or not isinstance(v, (int, float, np.floating, np.integer)) or not math.isfinite(v):
                raise SpaceError(f"dimension {self.name!r}: {label}={v!r} is not a finite number")
        if not self.low < self.high:
            raise SpaceError(
                f"dimension {self.name!r}: bounds ({self.low}, {self.high}) are inverted or empty; give (low, high) with low < high"
            )
        if self.log and self.low <= 0:
            raise SpaceError(f"dimension {self.name!r}: log scale needs low > 0 (got low={self.low}); use log=False or a positive bound")

    def to_unit(self, v: np.ndarray) -> np.ndarray:
        if self.log:
            return (np.log(v) - math.log(self.low)) / (math.log(self.high) - math.log(self.low))
        return (v - self.low) / (self.high - self.low)

    def from_unit(self, u: np.ndarray) -> np.ndarray:
        if self.log:
            return np.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        return self.low + u * (self.high - self.low)

    def to_config(self) -> dict[str, Any]:
        return {"low": float(self.low), "high": float(self.high), "log": bool(self.log)}


@dataclass(frozen=True)
class LinearConstraint:
    """``coefficients . theta <= rhs`` (``strict``: ``<``), in the space's own coordinates."""

    coefficients: tuple[float, ...]
    rhs: float
    strict: bool
    text: str

    def holds(self, theta: np.ndarray) -> np.ndarray:
        lhs = theta @ np.asarray(self.coefficients)
        return lhs < self.rhs if self.strict else lhs <= self.rhs


def _linear(node: ast.AST, index: Mapping[str, int], bad: Callable[[str], SpaceError]) -> tuple[np.ndarray, float]:
    """Coefficients and constant of a linear expression AST (walked, never evaluated)."""
    n = len(index)
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return np.zeros(n), float(node.value)
    if isinstance(node, ast.Name):
        if node.id not in index:
            raise bad(f"unknown name {node.id!r}")
        c = np.zeros(n)
        c[index[node.id]] = 1.0
        return c, 0.0
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        c, k = _linear(node.operand, index, bad)
        return (-c, -k) if isinstance(node.op, ast.USub) else (c, k)
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
        (ca, ka), (cb, kb) = _linear(node.left, index, bad), _linear(node.right, index, bad)
        sign = 1.0 if isinstance(node.op, ast.Add) else -1.0
        return ca + sign * cb, ka + sign * kb
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Div)):
        (ca, ka), (cb, kb) = _linear(node.left, index, bad), _linear(node.right, index, bad)
        if isinstance(node.op, ast.Div):
            if np.any(cb) or kb == 0:
                raise bad("division only by a non-zero number is linear")
            return ca / kb, ka / kb
        if np.any(ca) and np.any(cb):
            raise bad("product of two parameters is not linear")
        return (ca * kb, ka * kb) if np.any(ca) else (cb * ka, kb * ka)
    raise bad(f"unsupported expression {ast.dump(node)[:40]}")


def _bad_factory(text: str, names: Sequence[str], context: str, example: str) -> Callable[[str], SpaceError]:
    def bad(why: str) -> SpaceError:
        return SpaceError(f"{context} {text!r}: {why}; write a linear {example} over {list(names)}")

    return bad


def parse_linear_expression(text: str, names: Sequence[str], *, context: str = "expression") -> tuple[np.ndarray, float]:
    """``"a*x - y + 3"`` -> (coefficients `(d,)`, constant), by walking the AST (no eval).

    Example:
        >>> parse_linear_expression("m_parent - m_lsp + 5", ["m_parent", "m_lsp"])
        (array([ 1., -1.]), 5.0)
    """
    bad = _bad_factory(text, names, context, "expression such as 'm_parent - m_lsp'")
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError as err:
        raise bad("not a valid expression") from err
    coef, const = _linear(tree, {n: i for i, n in enumerate(names)}, bad)
    if not np.any(coef):
        raise bad("it involves no parameter")
    return coef, const


def _parse_linear(text: str, names: Sequence[str]) -> list[LinearConstraint]:
    """Parse ``"a*x + b < c*y - 3"`` (chains allowed) into linear constraints, by walking the AST (no eval)."""
    index = {n: i for i, n in enumerate(names)}
    bad = _bad_factory(text, names, "constraint", "inequality such as 'm_lsp < m_parent - 10'")
    try:
        tree = ast.parse(text, mode="eval").body
    except SyntaxError as err:
        raise bad("not a valid expression") from err
    if not isinstance(tree, ast.Compare):
        raise bad("no comparison operator (<, <=, >, >=) found")
    out: list[LinearConstraint] = []
    terms = [tree.left, *tree.comparators]
    for left, op, right in zip(terms[:-1], tree.ops, terms[1:]):
        (cl, kl), (cr, kr) = _linear(left, index, bad), _linear(right, index, bad)
        if isinstance(op, (ast.Lt, ast.LtE)):
            coef, rhs = cl - cr, kr - kl
        elif isinstance(op, (ast.Gt, ast.GtE)):
            coef, rhs = cr - cl, kl - kr
        else:
            raise bad("only <, <=, >, >= are allowed")
        if not np.any(coef):
            raise bad("the inequality involves no parameter")
        out.append(LinearConstraint(tuple(float(c) for c in coef), float(rhs), isinstance(op, (ast.Lt, ast.Gt)), text))
    return out


class ParameterSpace:
    """Named, bounded parameters with optional log scales and constraints.

    Args:
        dims: mapping ``name -> (low, high)``, ``name -> {"low", "high", "log"}`` or ``name -> Dimension``.
        constraint: linear inequalities as text (one string or a list), or a callable ``theta (..., d) -> bool (...)``.
        coordinates: optional model coordinates, ``new_name -> linear expression`` over the dims (e.g.
            ``{"m_parent": "m_parent", "dm": "m_parent - m_lsp"}``): the unit cube of strategies and surrogates is
            then spanned by them (a boundary parallel to the diagonal becomes axis-aligned); users still see and pass
            points in the original coordinates.

    Example:
        >>> space = ParameterSpace({"m_parent": (100.0, 500.0), "m_lsp": (0.0, 300.0)}, constraint="m_lsp < m_parent")
        >>> space.to_unit(np.array([300.0, 150.0]))
        array([0.5, 0.5])
        >>> space.contains(np.array([[200.0, 250.0], [200.0, 100.0]]))
        array([False,  True])
    """

    def __init__(
        self,
        dims: Mapping[str, Any],
        *,
        constraint: str | Sequence[str] | Callable[[np.ndarray], np.ndarray] | None = None,
        coordinates: Mapping[str, str] | None = None,
    ) -> None:
        if not isinstance(dims, Mapping) or len(dims) == 0:
            raise SpaceError(f"dims={dims!r} must be a non-empty mapping name -> (low, high)")
        parsed: list[Dimension] = []
        for name, spec in dims.items():
            if isinstance(spec, Dimension):
                parsed.append(spec if spec.name == name else Dimension(name, spec.low, spec.high, spec.log))
            elif isinstance(spec, Mapping):
                unknown = set(spec) - {"low", "high", "log"}
                if unknown or not {"low", "high"} <= set(spec):
                    raise SpaceError(f"dimension {name!r}: {dict(spec)!r} needs keys low, high (and optional log) only")
                parsed.append(Dimension(name, spec["low"], spec["high"], bool(spec.get("log", False))))
            elif isinstance(spec, (tuple, list)) and len(spec) == 2:
                parsed.append(Dimension(name, spec[0], spec[1]))
            else:
                raise SpaceError(f"dimension {name!r}: {spec!r} is not (low, high); write e.g. {name!r}: (0.0, 1.0)")
        self.dims: tuple[Dimension, ...] = tuple(parsed)
        self.names: tuple[str, ...] = tuple(d.name for d in parsed)
        self.linear_constraints: tuple[LinearConstraint, ...] = ()
        self._callable: Callable[[np.ndarray], np.ndarray] | None = None
        if callable(constraint):
            self._callable = constraint
        elif constraint is not None:
            texts = [constraint] if isinstance(constraint, str) else list(constraint)
            if not all(isinstance(t, str) for t in texts):
                raise SpaceError(f"constraint={constraint!r} must be text, a list of texts, or a callable")
            self.linear_constraints = tuple(c for t in texts for c in _parse_linear(t, self.names))
        self.coordinates: LinearCoordinates | None = None
        if coordinates is not None:
            if any(d.log for d in self.dims):
                raise SpaceError("coordinates= cannot be combined with log-scaled dims; drop log=True or the coordinates")
            self.coordinates = LinearCoordinates(coordinates, self.names)
            cons = [(np.asarray(c.coefficients), c.rhs) for c in self.linear_constraints]
            self._model_bounds = self.coordinates.bounds(self.bounds[0], self.bounds[1], cons)
        if self.has_constraint or self.coordinates is not None:
            probe = self.sample(256, seed=0, method="sobol", _allow_empty=True)
            if len(probe) == 0:
                raise SpaceError(
                    f"constraint {self.constraint_text or constraint!r} leaves no feasible point in the bounds; check its direction"
                )

    # ----------------------------------------------------------------------------------------------- properties
    @property
    def dim(self) -> int:
        return len(self.dims)

    @property
    def bounds(self) -> np.ndarray:
        """``(2, d)`` array of lower and upper bounds."""
        return np.array([[d.low for d in self.dims], [d.high for d in self.dims]], dtype=float)

    @property
    def has_constraint(self) -> bool:
        return self._callable is not None or bool(self.linear_constraints)

    @property
    def constraint_text(self) -> list[str] | None:
        texts = list(dict.fromkeys(c.text for c in self.linear_constraints))
        return texts or None

    @property
    def is_serializable(self) -> bool:
        """False when the constraint is a Python callable (cannot be stored in a study file)."""
        return self._callable is None

    # ----------------------------------------------------------------------------------------------- transforms
    def _as_points(self, theta: Any, what: str = "theta") -> np.ndarray:
        try:
            arr = np.asarray(theta, dtype=float)
        except (TypeError, ValueError) as err:
            raise SpaceError(f"{what} is not numeric ({type(theta).__name__}); pass an array of shape (n, {self.dim})") from err
        if arr.shape[-1:] != (self.dim,):
            raise SpaceError(f"{what} has shape {arr.shape}; the last axis must have length {self.dim} ({', '.join(self.names)})")
        return arr

    def _box_to_unit(self, arr: np.ndarray) -> np.ndarray:
        return np.stack([d.to_unit(arr[..., i]) for i, d in enumerate(self.dims)], axis=-1)

    def _box_from_unit(self, u: np.ndarray) -> np.ndarray:
        return np.stack([d.from_unit(u[..., i]) for i, d in enumerate(self.dims)], axis=-1)

    def to_unit(self, theta: Any) -> np.ndarray:
        """Map points ``(..., d)`` from the space's coordinates to the unit cube (of the model coordinates)."""
        arr = self._as_points(theta)
        if self.coordinates is None:
            return self._box_to_unit(arr)
        lo, hi = self._model_bounds
        return (self.coordinates.forward(arr) - lo) / (hi - lo)

    def from_unit(self, u: Any) -> np.ndarray:
        """Map points ``(..., d)`` from the unit cube to the space's coordinates."""
        arr = self._as_points(u, "u")
        if self.coordinates is None:
            return self._box_from_unit(arr)
        lo, hi = self._model_bounds
        return self.coordinates.inverse(lo + arr * (hi - lo))

    def satisfies_constraint(self, theta: Any) -> np.ndarray:
        """Boolean mask ``(...)``: the constraint holds (bounds not checked)."""
        arr = self._as_points(theta)
        ok = np.ones(arr.shape[:-1], dtype=bool)
        for c in self.linear_constraints:
            ok &= c.holds(arr)
        if self._callable is not None:
            res = np.asarray(self._callable(arr))
            if res.shape != ok.shape or res.dtype != bool:
                raise SpaceError(
                    f"constraint callable returned {res.dtype} of shape {res.shape} for input {arr.shape}; it must return a bool mask of shape {ok.shape}"
                )
            ok &= res
        return ok

    def contains(self, theta: Any) -> np.ndarray:
        """Boolean mask ``(...)``: inside the bounds (inclusive, finite) and satisfying the constraint."""
        arr = self._as_points(theta)
        b = self.bounds
        inside = np.all(np.isfinite(arr) & (arr >= b[0]) & (arr <= b[1]), axis=-1)
        return inside & self.satisfies_constraint(np.where(np.isfinite(arr), arr, b[0]))

    def validate(self, theta: Any, what: str = "theta") -> np.ndarray:
        """Return ``theta`` as a float array ``(d,)`` or raise a one-line SpaceError naming the problem."""
        arr = self._as_points(theta, what)
        bad = ~self.contains(arr)
        if np.any(bad):
            first = arr.reshape(-1, self.dim)[np.flatnonzero(bad.reshape(-1))[0]]
            raise SpaceError(
                f"{what}={np.array2string(first, precision=6)} lies outside the space (bounds {self.bounds.T.tolist()}"
                + (f", constraint {self.constraint_text or 'callable'}" if self.has_constraint else "")
                + ")"
            )
        return arr

    # ----------------------------------------------------------------------------------------------- designs
    def sample_unit(self, n: int, seed: int | np.random.Generator | None = None, method: SampleMethod = "random", *, _allow_empty: bool = False) -> np.ndarray:
        """``n`` feasible points in unit-cube coordinates, by rejection from a random/Sobol/LHS design."""
        if n < 0:
            raise SpaceError(f"n={n} must be non-negative")
        rng = as_generator(seed)
        out: list[np.ndarray] = []
        have, tries, drawn = 0, 0, 0
        while have < n and tries < 50:
            m = max(16, 2 * (n - have))
            if method == "random":
                u = rng.random((m, self.dim))
            elif method == "sobol":
                m = 1 << max(4, math.ceil(math.log2(m)))
                u = qmc.Sobol(self.dim, scramble=True, seed=rng).random(m)
            elif method == "lhs":
                u = qmc.LatinHypercube(self.dim, seed=rng).random(m)
            else:
                raise SpaceError(f"method={method!r} is unknown; use 'random', 'sobol' or 'lhs'")
            drawn += m
            needs_check = self.has_constraint or self.coordinates is not None
            keep = u[self.contains(self.from_unit(u))] if needs_check else u
            out.append(keep)
            have += len(keep)
            tries += 1
        pts = np.concatenate(out, axis=0)[:n] if out else np.zeros((0, self.dim))
        if len(pts) < n and not _allow_empty:
            raise SpaceError(f"the constraint accepts only {have}/{drawn} sampled points; it leaves (almost) no feasible volume")
        return pts

    def sample(self, n: int, seed: int | np.random.Generator | None = None, method: SampleMethod = "random", *, _allow_empty: bool = False) -> np.ndarray:
        """``n`` feasible points ``(n, d)`` in the space's coordinates.

        Example:
            >>> ParameterSpace({"x": (0.0, 1.0)}).sample(3, seed=0).shape
            (3, 1)
        """
        return self.from_unit(self.sample_unit(n, seed, method, _allow_empty=_allow_empty))

    def grid(self, points_per_dim: int | Sequence[int], *, feasible_only: bool = True) -> np.ndarray:
        """A regular grid in the space's own coordinates (endpoints included), ``(m, d)``, row-major order."""
        counts = [points_per_dim] * self.dim if isinstance(points_per_dim, (int, np.integer)) else list(points_per_dim)
        if len(counts) != self.dim or any(int(c) < 1 for c in counts):
            raise SpaceError(f"points_per_dim={points_per_dim!r}: give one positive count per dimension ({self.dim})")
        axes = [np.linspace(0.0, 1.0, int(c)) if c > 1 else np.array([0.5]) for c in counts]
        u = np.stack(np.meshgrid(*axes, indexing="ij"), axis=-1).reshape(-1, self.dim)
        pts = self._box_from_unit(u)
        return pts[self.satisfies_constraint(pts)] if (feasible_only and self.has_constraint) else pts

    def unit_inequality_constraints(self) -> list[tuple[np.ndarray, np.ndarray, float]] | None:
        """Linear constraints as botorch ``(indices, coefficients, rhs)`` triples for ``sum c_i u_i >= rhs`` in the
        unit cube, or ``None`` when they cannot be written that way (callable constraint or log-scaled dims).

        With model coordinates the original box bounds become linear constraints in the cube too.
        """
        if self._callable is not None:
            return None
        b = self.bounds
        constraints = [(np.asarray(c.coefficients), c.rhs) for c in self.linear_constraints]
        if self.coordinates is None:
            if any(self.dims[i].log for a, _ in constraints for i in np.flatnonzero(a)):
                return None
            M, t = np.diag(b[1] - b[0]), b[0]  # theta = M u + t
        else:
            lo, hi = self._model_bounds
            M = self.coordinates.A_inv @ np.diag(hi - lo)
            t = self.coordinates.A_inv @ (lo - self.coordinates.c)
            eye = np.eye(self.dim)
            constraints += [(eye[i], b[1, i]) for i in range(self.dim)] + [(-eye[i], -b[0, i]) for i in range(self.dim)]
        out = []
        for a, rhs in constraints:
            # a . (M u + t) <= rhs   <=>   sum_j -(a M)_j u_j >= a . t - rhs
            aM = a @ M
            idx = np.flatnonzero(np.abs(aM) > 1e-15)
            out.append((idx, -aM[idx], float(a @ t - rhs)))
        return out

    # ----------------------------------------------------------------------------------------------- storage
    def to_config(self) -> dict[str, Any]:
        """JSON-able description (raises for callable constraints, which cannot be stored)."""
        if not self.is_serializable:
            raise SpaceError("a space with a Python callable constraint cannot be stored; write the constraint as text")
        cfg: dict[str, Any] = {"dims": {d.name: d.to_config() for d in self.dims}}
        if self.constraint_text:
            cfg["constraint"] = self.constraint_text
        if self.coordinates is not None:
            cfg["coordinates"] = dict(self.coordinates.expressions)
        return cfg

    @classmethod
    def from_config(cls, cfg: Mapping[str, Any]) -> ParameterSpace:
        if not isinstance(cfg, Mapping) or "dims" not in cfg or set(cfg) - {"dims", "constraint", "coordinates"}:
            raise SpaceError(f"space config {cfg!r} needs 'dims' and optional 'constraint', 'coordinates' only")
        return cls(cfg["dims"], constraint=cfg.get("constraint"), coordinates=cfg.get("coordinates"))

    def __repr__(self) -> str:
        dims = ", ".join(f"{d.name}=({d.low:g}, {d.high:g}{', log' if d.log else ''})" for d in self.dims)
        cons = f", constraint={self.constraint_text or 'callable'}" if self.has_constraint else ""
        coords = f", coordinates={self.coordinates.expressions}" if self.coordinates is not None else ""
        return f"ParameterSpace({dims}{cons}{coords})"

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, ParameterSpace)
            and self.dims == other.dims
            and self.linear_constraints == other.linear_constraints
            and self._callable is other._callable
            and (self.coordinates.expressions if self.coordinates else None)
            == (other.coordinates.expressions if other.coordinates else None)
        )

    __hash__ = None  # type: ignore[assignment]

