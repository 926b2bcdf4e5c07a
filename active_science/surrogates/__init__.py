"""Surrogate models of the loop's values (botorch/gpytorch GPs)."""

from active_science.surrogates.gp import GPSurrogate

__all__ = ["GPSurrogate"]
