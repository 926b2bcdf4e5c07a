"""Surrogate models of the loop's values (botorch/gpytorch GPs)."""

from active_science.surrogates.gp import GPSurrogate
from active_science.surrogates.multi import MultiTargetSurrogate

__all__ = ["GPSurrogate", "MultiTargetSurrogate"]
