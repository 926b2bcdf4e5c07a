"""Asymptotic CLs of a single-bin counting experiment against SCIENCE.md section 5 (pyhf 0.7.6 reference values)
and against pyhf itself (an independent implementation: HistFactory fits + asymptotic calculator)."""

import numpy as np
import pytest

from active_science.stats.counting import counting_cls, counting_upper_limit, q_asimov, q_tilde

# (n, s, b, mu, CLs_obs) -- SCIENCE.md section 5, computed with pyhf 0.7.6, quoted to 6 decimals
REFERENCE = [
    (10, 5, 10, 1.0, 0.169123),
    (3, 4, 6, 1.0, 0.048929),
    (51, 20, 45, 1.0, 0.044705),
    (0, 3, 0.5, 1.0, 0.019931),
    (120, 30, 100, 2.0, 0.000484),
]


@pytest.mark.parametrize("n, s, b, mu, expected", REFERENCE)
def test_observed_cls_reference_values(n, s, b, mu, expected):
    # the references are rounded to 6 decimals: |error| <= 5e-7 < 1e-6
    assert abs(float(counting_cls(n, s, b, mu).cls) - expected) < 1e-6


def test_upper_limits_reference_values():
    ul = counting_upper_limit(10, 5, 10)
    assert abs(ul.observed - 1.5079) < 1e-4  # 4 decimals quoted
    np.testing.assert_allclose(ul.expected, [0.7409, 1.0306, 1.5079, 2.2524, 3.2771], atol=1e-4)


def test_expected_band_closed_form():
    r = counting_cls(10, 5, 10)
    qa = float(q_asimov(5, 10))
    from scipy.stats import norm

    assert abs(float(r.median_expected) - 2 * norm.cdf(-np.sqrt(qa))) < 1e-14
    assert np.all(np.diff(r.expected) > 0)


def test_q_tilde_branches():
    # mu_hat > mu: q = 0; mu_hat < 0 uses the mu = 0 fit: 2[mu s - n ln(1 + mu s / b)]
    assert float(q_tilde(30, 5, 10)) == 0.0
    assert abs(float(q_tilde(4, 5, 10)) - 2 * (5 - 4 * np.log1p(0.5))) < 1e-12


@pytest.mark.parametrize("n, s, b, mu, _", REFERENCE)
def test_agrees_with_pyhf(n, s, b, mu, _):
    pyhf = pytest.importorskip("pyhf")
    pyhf.set_backend("numpy")
    spec = {
        "channels": [
            {
                "name": "sr",
                "samples": [
                    {"name": "signal", "data": [float(s)], "modifiers": [{"name": "mu", "type": "normfactor", "data": None}]},
                    {"name": "background", "data": [float(b)], "modifiers": []},  # known background: no nuisance
                ],
            }
        ]
    }
    model = pyhf.Model(spec, poi_name="mu")
    obs, exp = pyhf.infer.hypotest(
        mu, [n] + model.config.auxdata, model, test_stat="qtilde", return_expected_set=True
    )
    ours = counting_cls(n, s, b, mu)
    assert abs(float(ours.cls) - float(obs)) < 1e-6
    np.testing.assert_allclose(ours.expected, np.array(exp, dtype=float).reshape(-1), atol=1e-6)
