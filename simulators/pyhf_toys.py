"""Toy-based CLs with pyhf's ``ToyCalculator``, with the expected band computed here.

pyhf 0.7.6's own expected band for toys calls ``np.percentile(..., interpolation=...)``, an argument numpy 2.4
removed, so ``hypotest(calctype="toybased")`` crashes. We take pyhf's toy distributions and observed p-values
unchanged and redo only its percentile step (same percentiles, linear interpolation) with numpy's ``method=``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import norm

__all__ = ["toy_cls"]

#: pyhf's percentiles of the b-only distribution for N = +2, +1, 0, -1, -2 (its expected-band order)
_PERCENTILES = 100.0 * norm.cdf([-2.0, -1.0, 0.0, 1.0, 2.0])


def toy_cls(
    poi_value: float, data: Any, model: Any, init: list[float], fixed: list[bool], *, ntoys: int, seed: int
) -> tuple[list[float], list[float]]:
    """Toy CLs at ``poi_value``: values ``[CLs, CLs+b, CLb, CLs_exp(N=+2..-2)]`` and their variances.

    The variances are the binomial variances of the tail fractions propagated to the CLs ratio (delta method, the
    two toy samples being independent); for the expected band, the same formula at each band value.
    Seeds numpy's global generator (pyhf draws toys from it) with ``seed``.

    Example:
        >>> import pyhf
        >>> pyhf.set_backend("numpy", "scipy")
        >>> m = pyhf.simplemodels.uncorrelated_background(signal=[5.0], bkg=[10.0], bkg_uncertainty=[2.0])
        >>> vals, var = toy_cls(1.0, [10.0] + m.config.auxdata, m, m.config.suggested_init(), m.config.suggested_fixed(), ntoys=60, seed=1)
        >>> len(vals), bool(0.05 < vals[0] < 0.5)
        (8, True)
    """
    import pyhf

    np.random.seed(int(seed) % 2**32)  # pyhf's ToyCalculator samples with numpy's global generator
    calc = pyhf.infer.calculators.ToyCalculator(
        data, model, init_pars=init, fixed_params=fixed, test_stat="qtilde", ntoys=int(ntoys), track_progress=False
    )
    sb_dist, b_dist = calc.distributions(poi_value)
    teststat = calc.teststatistic(poi_value)
    clsb, clb, cls = (float(v) for v in calc.pvalues(teststat, sb_dist, b_dist))
    exp = np.array([[float(v) for v in calc.pvalues(t, sb_dist, b_dist)] for t in b_dist.samples])  # (ntoys, 3)
    band = np.percentile(exp, _PERCENTILES, axis=0, method="linear")  # (5, 3): rows N = +2 .. -2
    n_sb, n_b = len(sb_dist.samples), len(b_dist.samples)

    def variance(p_sb: float, p_b: float) -> float:
        if p_b <= 0:
            return 0.0
        r = p_sb / p_b
        return r * r * (p_sb * (1 - p_sb) / n_sb / max(p_sb, 1e-300) ** 2 + p_b * (1 - p_b) / n_b / p_b**2) if p_sb > 0 else 1.0 / (n_sb * p_b) ** 2

    values = [cls, clsb, clb, *[float(v) for v in band[:, 2]]]
    variances = [variance(clsb, clb), clsb * (1 - clsb) / n_sb, clb * (1 - clb) / n_b, *[variance(a, b) for a, b, _ in band]]
    return values, variances
