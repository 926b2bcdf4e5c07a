"""Neural likelihood-ratio estimators trained on simulations with gold (joint ratio and joint score).

``RatioEstimator`` (CARL, ROLR, CASCAL, RASCAL, ALICE, ALICES; singly, doubly or marginally parameterised; ensembles),
``ScoreEstimator`` (SALLY, SALLINO), ``CategoricalDensity`` (SCANDAL for a discrete x: a conditional density with
the gold score term, normalised by construction), ``CalibratedRatio`` (per-theta probability calibration), and the helpers that
simulate paired training sets (``reference_training_set``, ``simulate_paired``), inference on a theta grid
(``likelihood_scan``: -2 log LR, MLE, 68/95 % regions), reference tasks with exact truth (``ratio_task``), posteriors
``prior x r_hat`` sampled by vectorised MCMC (``RatioPosterior``: MAP, HPD regions, batched over observations) and
sequential truncated-prior rounds for one observation (``sequential_rounds``).
"""

from active_science.ratio.calibration import CalibratedRatio
from active_science.ratio.categorical import CategoricalDensity
from active_science.ratio.config import NetworkConfig, TrainingConfig
from active_science.ratio.dataset import RatioRows
from active_science.ratio.ensemble import RatioPrediction
from active_science.ratio.estimator import RatioEstimator
from active_science.ratio.inference import LikelihoodScan, likelihood_scan
from active_science.ratio.methods import METHODS
from active_science.ratio.mining import reference_training_set, simulate_paired
from active_science.ratio.posterior import PosteriorSamples, RatioPosterior, SamplerConfig
from active_science.ratio.sally import ScoreEstimator
from active_science.ratio.sequential import SequentialConfig, SequentialResult, sequential_rounds
from active_science.ratio.tasks import RatioTask, ratio_task
from active_science.ratio.training import TrainingHistory

__all__ = [
    "METHODS",
    "CalibratedRatio",
    "CategoricalDensity",
    "LikelihoodScan",
    "NetworkConfig",
    "PosteriorSamples",
    "RatioEstimator",
    "RatioPosterior",
    "RatioPrediction",
    "RatioRows",
    "RatioTask",
    "SamplerConfig",
    "ScoreEstimator",
    "SequentialConfig",
    "SequentialResult",
    "TrainingConfig",
    "TrainingHistory",
    "likelihood_scan",
    "ratio_task",
    "reference_training_set",
    "sequential_rounds",
    "simulate_paired",
]
