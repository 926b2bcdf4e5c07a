"""The Weinberg simulator against SCIENCE.md's reference values, closed forms, quadrature and the gold identities."""

import math

import numpy as np
import pytest
from scipy import integrate, stats

from active_science import InvalidInputError, Simulation, get_simulator
from active_science.simulators.weinberg import Weinberg
from active_science.simulators.weinberg_physics import GZ, MZ, G_F, angular_coefficients

# SCIENCE.md section 4, tree level, kappa from G_F: sqrt(s) -> (A_FB, sigma in nb)
REFERENCE = {35.0: (-0.091, 0.080), 52.0: (-0.247, 0.037), 91.19: (0.0169, 1.985), 100.0: (0.588, 0.053)}


def _decimals(v: float) -> int:
    return len(repr(abs(v)).split(".")[1])


@pytest.mark.parametrize("sqrt_s", sorted(REFERENCE))
def test_reference_asymmetry_and_cross_section(sqrt_s):
    sim = Weinberg(fixed_g_f=G_F)
    afb_ref, sigma_ref = REFERENCE[sqrt_s]
    afb = float(sim.forward_backward_asymmetry([0.2312], [sqrt_s])[0])
    sigma = float(sim.cross_section([0.2312], [sqrt_s])[0])
    # the reference is rounded: agree within half a unit of its last digit
    assert abs(afb - afb_ref) <= 0.5 * 10 ** -_decimals(afb_ref) + 1e-12, afb
    assert abs(sigma - sigma_ref) <= 0.5 * 10 ** -_decimals(sigma_ref) + 1e-12, sigma
    # kappa = 1/(4 s2w (1 - s2w)) instead of G_F: the two kappas differ by 2e-4 at s2w = 0.2312, so within 0.1 %
    default = Weinberg()
    assert abs(default.cross_section([0.2312], [sqrt_s])[0] / sigma - 1) < 1e-3
    assert abs(default.forward_backward_asymmetry([0.2312], [sqrt_s])[0] - afb) < 1e-3


def test_helicity_sum_equals_the_textbook_coefficients():
    # SCIENCE.md's A0, A1 written directly (independent of the helicity-amplitude code)
    sw = np.linspace(0.05, 0.95, 7)
    for rs in (10.0, 60.0, 88.0, 91.1876, 95.0, 200.0):
        s = rs * rs
        kappa = 1 / (4 * sw * (1 - sw))
        chi = kappa * s / (s - MZ**2 + 1j * MZ * GZ)
        cv, ca = -0.5 + 2 * sw, -0.5
        a0 = 1 + 2 * chi.real * cv**2 + np.abs(chi) ** 2 * (cv**2 + ca**2) ** 2
        a1 = 4 * chi.real * ca**2 + 8 * np.abs(chi) ** 2 * cv**2 * ca**2
        amp = angular_coefficients(sw, np.full_like(sw, rs))
        np.testing.assert_allclose(amp.A0, a0, rtol=1e-12)
        np.testing.assert_allclose(amp.A1, a1, rtol=1e-12, atol=1e-12)


def test_angular_pdf_is_non_negative_everywhere():
    rng = np.random.default_rng(0)
    n = 200_000
    sw, rs, pol = rng.uniform(0.001, 0.999, n), rng.uniform(1.0, 1000.0, n), rng.uniform(-1, 1, n)
    gf = rng.uniform(0.1, 10.0, n)
    for g in (None, gf):
        amp = angular_coefficients(sw, rs, g_f=g, polarisation=pol)
        assert np.all(amp.A0 > 0)
        # min over c in [-1, 1] of (1 + c^2) + b c is >= 0 iff |b| <= 2
        assert np.all(np.abs(amp.slope) <= 2 + 1e-12)
    c = np.linspace(-1, 1, 201)
    amp = angular_coefficients(sw[:500], rs[:500], polarisation=pol[:500])
    assert np.all(amp.A0[:, None] * (1 + c**2) + amp.A1[:, None] * c >= -1e-12)


def test_polarisation_flips_the_helicity_weights():
    amp0 = angular_coefficients(np.array([0.2312]), np.array([91.1876]))
    left = angular_coefficients(np.array([0.2312]), np.array([91.1876]), polarisation=-1.0)
    right = angular_coefficients(np.array([0.2312]), np.array([91.1876]), polarisation=1.0)
    # unpolarised = average of fully left- and right-handed beams; A_LR at the pole = 2 c_V c_A/(c_V^2 + c_A^2) (tree)
    np.testing.assert_allclose(amp0.A0, (left.A0 + right.A0) / 2, rtol=1e-12)
    cv, ca = -0.5 + 2 * 0.2312, -0.5
    a_lr = float((left.A0 - right.A0)[0] / (left.A0 + right.A0)[0])
    assert abs(a_lr - 2 * cv * ca / (cv**2 + ca**2)) < 0.01  # photon exchange dilutes it by ~ 1/|chi|^2 ~ 0.3 %


@pytest.mark.parametrize("parameters", [("sin2w",), ("sin2w", "g_f")])
def test_parameter_derivatives_match_finite_differences(parameters):
    sim = Weinberg(parameters=parameters, polarisation=True)
    theta = np.array([0.2312, G_F])[: len(parameters)]
    design = np.array([[30.0, 0.0], [80.0, 0.3], [91.0, -0.6], [125.0, 0.8]])
    amp = sim.amplitudes(theta, design)
    for j in range(len(parameters)):
        h = 1e-6 * max(1.0, theta[j])
        up, dn = theta.copy(), theta.copy()
        up[j] += h
        dn[j] -= h
        a_up, a_dn = sim.amplitudes(up, design), sim.amplitudes(dn, design)
        # central differences with h = 1e-6: truncation ~ h^2, rounding ~ 1e-16/h: 1e-7 relative is ample
        np.testing.assert_allclose(amp.dA0[:, j], (a_up.A0 - a_dn.A0) / (2 * h), rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(amp.dA1[:, j], (a_up.A1 - a_dn.A1) / (2 * h), rtol=1e-6, atol=1e-9)
        np.testing.assert_allclose(amp.dslope[:, j], (a_up.slope - a_dn.slope) / (2 * h), rtol=1e-6, atol=1e-9)


def test_exact_likelihood_equals_numerical_convolution_and_normalises():
    sim = Weinberg(resolution=0.07)
    theta, design = [0.22], [84.0]
    for x in (-1.1, -0.93, -0.2, 0.0, 0.5, 0.96, 1.05):
        conv, _ = integrate.quad(lambda c: sim.angular_pdf(c, theta, design)[0] * stats.norm.pdf(x, c, 0.07), -0.95, 0.95, epsabs=1e-13)
        assert abs(math.exp(sim.log_likelihood([[x]], theta, design=design)[0]) - conv) < 1e-9
    total, _ = integrate.quad(lambda x: math.exp(sim.log_likelihood([[x]], theta, design=design)[0]), -1.6, 1.6, limit=200)
    assert abs(total - 1) < 1e-8
    # the matrix fast path agrees with the per-event likelihood
    xs = np.linspace(-1, 1, 11)[:, None]
    thetas = np.array([[0.2], [0.23], [0.26]])
    mat = sim.log_likelihood_matrix(xs, thetas, design=design)
    for j, th in enumerate(thetas):
        np.testing.assert_allclose(mat[:, j], sim.log_likelihood(xs, th, design=design), rtol=1e-13)


def test_sampled_events_follow_the_exact_likelihood():
    sim = Weinberg(resolution=0.05)
    theta, design = [0.2312], [100.0]  # A_FB = 0.59: a strongly asymmetric pdf
    out = sim.simulate(theta, seed=3, num_events=50_000, design=design)
    edges = np.linspace(-1.15, 1.15, 24)
    counts, _ = np.histogram(out.x[:, 0], bins=edges)
    probs = np.array([integrate.quad(lambda x: math.exp(sim.log_likelihood([[x]], theta, design=design)[0]), lo, hi)[0] for lo, hi in zip(edges[:-1], edges[1:])])
    expected = probs / probs.sum() * counts.sum()
    chi2 = float(np.sum((counts - expected) ** 2 / expected))
    # chi2 with 22 dof: p = 0.001 at 48.3 (fixed seed; a wrong pdf with 50k events gives chi2 in the hundreds)
    assert chi2 < 48.3, chi2
    # the latent c itself: A_FB of the truncated sample = b N1/N_a with N1 = int_{-a}^{a} |c| c sign ... via the mean of c
    b = float(sim.amplitudes(theta, design).slope[0])
    a = 0.95
    mean_c = b * (2 * a**3 / 3) / (2 * a + 2 * a**3 / 3)
    assert abs(out.x[:, 0].mean() - mean_c) < 4 * out.x[:, 0].std() / math.sqrt(50_000)


@pytest.mark.parametrize("parameters", [("sin2w",), ("sin2w", "g_f")])
def test_joint_score_is_the_derivative_of_the_joint_log_likelihood(parameters):
    sim = Weinberg(parameters=parameters)
    theta = np.array([0.235, 1.2])[: len(parameters)]
    for j in range(len(parameters)):
        h = 1e-5
        refs = np.array([theta, theta])
        refs[0, j] += h
        refs[1, j] -= h
        out = sim.simulate(theta, seed=7, num_events=2000, design=[82.0], gold=True, theta_refs=refs)
        # log_r_xz[:, k] = log p(x,z|theta) - log p(x,z|ref_k): central difference of log p(x,z|.)
        fd = (out.log_r_xz[:, 1] - out.log_r_xz[:, 0]) / (2 * h)
        np.testing.assert_allclose(out.t_xz[:, j], fd, rtol=1e-5, atol=1e-7)


def test_gold_identities_hold_given_x():
    """E[r(x,z) | x] = r(x) and E[t(x,z) | x] = t(x), averaging the simulator's gold within narrow bins of x."""
    sim = Weinberg(resolution=0.1)
    theta1, theta0, design = np.array([0.2312]), np.array([0.26]), [82.0]
    out = sim.simulate(theta1, seed=11, num_events=400_000, design=design, gold=True, theta_refs=theta0[None])
    x = out.x[:, 0]
    r_xz = np.exp(-out.log_r_xz[:, 0])  # p(x,z|theta0) / p(x,z|theta1), z ~ p(z | x, theta1)
    r_x = np.exp(sim.log_likelihood(out.x, theta0, design=design) - sim.log_likelihood(out.x, theta1, design=design))
    # exact marginal score d/dtheta log p(x|theta) by finite differences of the exact likelihood
    h = 1e-6
    t_x = (sim.log_likelihood(out.x, theta1 + h, design=design) - sim.log_likelihood(out.x, theta1 - h, design=design)) / (2 * h)
    edges = np.quantile(x, np.linspace(0, 1, 21))
    idx = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, 19)
    for k in range(20):
        m = idx == k
        for gold, exact in ((r_xz[m], r_x[m]), (out.t_xz[m, 0], t_x[m])):
            diff = gold - exact  # E[diff | x] = 0 for every x, so its bin mean is 0 up to MC noise
            assert abs(diff.mean()) < 4.5 * diff.std() / math.sqrt(m.sum()) + 1e-12, (k, diff.mean())
    # and the test can fail: using x instead of the latent c in the joint score breaks the identity
    b = sim.amplitudes(theta1, design)
    wrong = x / (1 + x * x + b.slope[0] * x) * b.dslope[0, 0]
    assert abs((wrong - t_x).mean()) > 10 * (wrong - t_x).std() / math.sqrt(len(x))


def test_poisson_count_and_its_gold():
    sim = Weinberg(luminosity=40.0)
    theta, design = np.array([0.2312]), [91.1876]
    nu = 40.0 * sim.cross_section(theta, design, fiducial=True)[0]
    counts = np.array([len(sim.simulate(theta, seed=s, design=design)) for s in range(60)])
    assert abs(counts.mean() - nu) < 4 * math.sqrt(nu / 60)  # Poisson mean, 4 standard errors
    out = sim.simulate(theta, seed=1, design=design, gold=True, theta_refs=[[0.2313], [0.2311]])
    n = len(out)
    assert out.meta["num_events"] == n and abs(out.meta["expected_events"] - nu) < 1e-9

    def log_pois(th):
        mu = 40.0 * sim.cross_section([th], design, fiducial=True)[0]
        return n * math.log(mu) - mu

    fd = (log_pois(0.2312 + 1e-7) - log_pois(0.2312 - 1e-7)) / 2e-7
    assert abs(out.meta["count_score_sin2w"] - fd) < 1e-4 * max(1.0, abs(fd))
    assert abs(out.meta["count_log_r_0"] - (log_pois(0.2312) - log_pois(0.2313))) < 1e-8


def test_per_event_thetas_designs_and_reproducibility():
    sim = Weinberg(polarisation=True)
    theta = np.array([[0.21], [0.25], [0.23]])
    design = np.array([[40.0, 0.0], [91.0, 0.5], [120.0, -0.5]])
    out = sim.simulate(theta, seed=5, design=design, gold=True, theta_refs=[[0.23]])
    assert isinstance(out, Simulation) and out.x.shape == (3, 1) and out.design.shape == (3, 2)
    again = sim.simulate(theta, seed=5, design=design, gold=True, theta_refs=[[0.23]])
    np.testing.assert_array_equal(out.x, again.x)
    assert out.log_r_xz[2, 0] == 0.0  # event 3 was drawn at the reference point itself
    assert get_simulator("weinberg", parameters=["sin2w", "g_f"]).space.names == ("sin2w", "g_f")


@pytest.mark.parametrize(
    "kwargs",
    [{"parameters": ("g_f",)}, {"num_events": 0}, {"resolution": 0.0}, {"luminosity": -1.0}, {"fixed_g_f": 1.1, "parameters": ("sin2w", "g_f")}],
)
def test_bad_options_are_rejected(kwargs):
    with pytest.raises(InvalidInputError):
        Weinberg(**kwargs)


def test_bad_inputs_are_rejected():
    sim = Weinberg()
    with pytest.raises(InvalidInputError, match="theta has shape"):
        sim.simulate([0.2, 0.3], seed=0)
    with pytest.raises(InvalidInputError, match="design has shape"):
        sim.simulate([0.2], seed=0, design=[91.0, 0.1])
    with pytest.raises(InvalidInputError, match="sin2w"):
        sim.simulate([1.2], seed=0)
    with pytest.raises(InvalidInputError, match="num_events"):
        sim.simulate([[0.2], [0.21]], seed=0, num_events=5)
