"""VideoMemoryOwnerMixin: the one rule by which HVRDetector and the flow
detectors (FGFA, DFF) forget their per-video state."""
import pytest
import torch
from torch import nn

from mmhvr.models.detectors import HVRDetector
from mmhvr.models.detectors.dff import FlowVideoDetector
from mmhvr.models.video import FrameMemory, VideoMemory, VideoMemoryOwnerMixin


class Owner(VideoMemoryOwnerMixin, nn.Module):

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 1, 1)
        self.video_memory = VideoMemory(max_frames=4)


def filled(owner: Owner) -> Owner:
    owner.video_memory.frames[0] = FrameMemory(feats=torch.zeros(1, 1, 2, 2))
    owner.video_memory.video_id = 'v'
    return owner


CHANGES = [
    lambda m: m.train(),
    lambda m: m.eval(),
    lambda m: m.load_state_dict(Owner().state_dict()),
    lambda m: m.to(torch.float64),
    lambda m: m.half(),
]


@pytest.mark.parametrize(
    'change', CHANGES, ids=['train', 'eval', 'load_state_dict', 'to', 'half'])
def test_what_made_the_memories_changed_they_are_emptied(change):
    owner = filled(Owner())
    assert len(owner.video_memory.frames) == 1
    result = change(owner)
    assert len(owner.video_memory.frames) == 0
    assert owner.video_memory.video_id is None
    if change is not CHANGES[2]:  # load_state_dict returns the key lists
        assert result is owner  # the nn.Module call still returns self


def test_calls_go_on_to_the_module():
    owner = filled(Owner()).eval()
    assert not owner.training and not owner.conv.training
    owner.to(torch.float64)
    assert owner.conv.weight.dtype == torch.float64
    weights = {k: torch.full_like(v, 2.) for k, v in
               owner.state_dict().items()}
    owner.load_state_dict(weights)
    assert bool((owner.conv.weight == 2).all())


def test_before_the_memory_exists_apply_is_harmless():

    class Early(VideoMemoryOwnerMixin, nn.Module):

        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(1, 1, 1).to(torch.float64)
            self.float()  # _apply before video_memory is set
            self.video_memory = VideoMemory(max_frames=1)

    assert Early().conv.weight.dtype == torch.float32


@pytest.mark.parametrize('detector', [HVRDetector, FlowVideoDetector])
def test_both_detector_families_use_the_one_mixin(detector):
    assert issubclass(detector, VideoMemoryOwnerMixin)
    for name in ('_load_from_state_dict', '_apply'):
        assert name not in vars(detector), (detector, name)
