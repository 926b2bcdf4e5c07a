import torch
from botorch.utils.testing import MockModel, MockPosterior

from active_science.acquisition.straddle import Straddle


def test_multi_output_takes_the_most_uncertain_target():
    # one point, two outputs: straddle 1.96*1 - |2 - 0| = -0.04 and 1.96*0.5 - |0.1| = 0.88 -> max 0.88
    mm = MockModel(
        MockPosterior(mean=torch.tensor([[[2.0, 0.1]]], dtype=torch.float64), variance=torch.tensor([[[1.0, 0.25]]], dtype=torch.float64))
    )
    got = Straddle(mm, threshold=0.0)(torch.zeros(1, 1, 1, dtype=torch.float64))
    torch.testing.assert_close(got, torch.tensor([0.88], dtype=torch.float64))
