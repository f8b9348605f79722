"""VideoMemory: the one owner of per-video state at test time, with one
staleness rule for the frame cache, the bank's projections and the
recent videos."""
import pytest
import torch

from mmhvr.models import FrameMemory, RecentVideoMemory, VideoMemory
from mmhvr.models.video import weights_token


def mem(start, m=2, d=4):
    """A frame memory whose rows are numbered start..start+m-1."""
    rows = torch.arange(start, start + m, dtype=torch.float32)[:, None]
    return FrameMemory(inter_keys=rows.expand(m, d).clone(),
                       inter_values=-rows.expand(m, d).clone())


def filled(memory, video, frames=(0, 1, 2)):
    memory.start(video)
    for f in frames:
        memory.put(f, mem(10 * f))
    return memory


class FakeBank:
    """A support bank that counts how often its projections are made."""

    def __init__(self):
        self.made = 0

    def memory(self, head):
        self.made += 1
        return mem(100 + self.made)


def test_stream_tokens_never_repeat():
    memory = VideoMemory(4)
    tokens = [memory.new_stream() for _ in range(1000)]
    assert len(set(tokens)) == len(tokens)


def test_new_stream_and_restart_empty_the_frames():
    memory = filled(VideoMemory(4), 'a')
    token = memory.new_stream()
    assert len(memory) == 0 and token != 'a'
    filled(memory, 'a')
    memory.start('a')  # the same stream goes on: kept
    assert memory.get(1) is not None and memory.reset_reason is None
    memory.start('a', restart=True)  # its first frame again: a new stream
    assert len(memory) == 0 and 'first frame' in memory.reset_reason
    filled(memory, 'a')
    memory.start('b')
    assert 1 not in memory and 'another video' in memory.reset_reason


def test_one_staleness_rule_empties_frames_bank_and_recent_videos():
    layer = torch.nn.Linear(2, 2)
    bank = FakeBank()
    memory = VideoMemory(4, recent=RecentVideoMemory(3, 4), bank=bank)
    memory.validate((weights_token(layer), True))
    filled(memory, 'a')
    filled(memory, 'b')  # 'a' ended: it is a recent video
    assert memory.bank_memory(None) is memory.bank_memory(None)
    assert bank.made == 1 and len(memory.recent) == 1 and len(memory) == 3
    memory.validate((weights_token(layer), True))  # same weights: kept
    assert bank.made == 1 and len(memory.recent) == 1 and len(memory) == 3
    with torch.no_grad():
        layer.weight.add_(1)  # what an optimizer step does
    memory.validate((weights_token(layer), True))
    assert len(memory) == 0 and len(memory.recent) == 0
    memory.start('b')  # the stream goes on, its frames were dropped
    assert 'weights changed' in memory.reset_reason
    memory.bank_memory(None)
    assert bank.made == 2  # the bank's projections are made again
    # what the memories hold is part of the token (inter projections)
    filled(memory, 'b')
    memory.validate((weights_token(layer), False))
    assert len(memory) == 0 and memory.bank_memory(None) is not None
    assert bank.made == 3


def test_replaced_parameters_change_the_token():
    layer = torch.nn.Linear(2, 2)
    before = weights_token(layer)
    layer.weight = torch.nn.Parameter(layer.weight.detach().clone())
    assert weights_token(layer) != before


def test_clear_empties_everything():
    memory = VideoMemory(4, recent=RecentVideoMemory(3, 4), bank=FakeBank())
    filled(memory, 'a')
    filled(memory, 'b')
    memory.bank_memory(None)
    memory.clear()  # train()/eval()/load_state_dict()/.to()
    assert len(memory) == 0 and len(memory.recent) == 0
    memory.bank_memory(None)
    assert memory.bank.made == 2


def test_least_recently_used_frame_leaves_first():
    memory = filled(VideoMemory(3), 'a')
    memory.get(0)
    memory.put(3, mem(30))
    assert memory.missing([0, 1, 2, 3]) == [1]


def test_gather_computes_what_is_not_cached_and_names_what_is_missing():
    memory = VideoMemory(8)
    computed = []

    def compute(inds):
        computed.append(list(inds))
        return [mem(10 * i) for i in inds]

    # first key frame: everything loaded, computed once
    key, sups = memory.gather('v', True, [0, 1, 2], [1, 2], 0, compute)
    assert computed == [[0, 1, 2]] and len(sups) == 2
    # next key frame: only the new frame is loaded, the others are cached
    computed.clear()
    key, sups = memory.gather('v', False, [3], [0, 1, 2], 3, compute)
    assert computed == [[0]]  # position 0 of the item: frame 3
    assert [int(s.inter_keys[0, 0]) for s in sups] == [0, 10, 20]
    # an item that carries every support is computed afresh
    computed.clear()
    memory.gather('v', False, [1, 0, 2], [0, 2], 1, compute)
    assert computed == [[0, 1, 2]]
    with pytest.raises(RuntimeError, match=r'frames \[7\].*load_only_new'):
        memory.gather('v', False, [4], [3, 7], 4, compute)


@pytest.mark.parametrize('bad', [0, -1, 1.5, True])
def test_cache_size_is_checked(bad):
    with pytest.raises(ValueError, match='cache_frames'):
        VideoMemory(bad)
