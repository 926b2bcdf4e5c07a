import numpy as np
from active_science import ExclusionScan, ParameterSpace
from active_science.stats.counting import counting_cls

def my_pipeline(theta, seed):  # your simulator + statistic: CLs of the signal hypothesis at theta
    m_parent, m_lsp = theta
    eff = np.random.default_rng(seed).normal(1 - (m_lsp / m_parent) ** 2, 0.01)  # an MC-estimated efficiency
    return float(counting_cls(n=12, s=2e4 * np.exp(-m_parent / 90) * eff, b=10).cls)

space = ParameterSpace({"m_parent": (100, 800), "m_lsp": (0, 600)}, constraint="m_lsp < m_parent")
result = ExclusionScan(my_pipeline, space, level=0.05, executor="ray").run(max_evaluations=120)
print(result.n_evaluations, result.stop_reason, result.excluded([[300, 50], [700, 100]]))
