"""Surrogate models of the loop's values (botorch/gpytorch GPs)."""

from active_science.surrogates.gp import GPSurrogate
from active_science.surrogates.multi import MultiTargetSurrogate
from active_science.surrogates.scalable import ScalableGPSurrogate
from active_science.surrogates.subset import SubsetGPSurrogate

__all__ = ["GPSurrogate", "MultiTargetSurrogate", "ScalableGPSurrogate", "SubsetGPSurrogate"]
