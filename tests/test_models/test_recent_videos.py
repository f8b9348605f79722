"""RecentVideoMemory and its hand-off from VideoMemory
(test_cfg.recent_videos: the inter relation sees the videos tested
before)."""
import pytest
import torch

from mmhvr.models import FrameMemory, RecentVideoMemory, VideoMemory


def frame(start, m, d=4):
    """A frame's memory with inter projections numbered start..start+m-1."""
    rows = torch.arange(start, start + m, dtype=torch.float32)[:, None]
    return FrameMemory(inter_keys=rows.expand(m, d).clone(),
                       inter_values=-rows.expand(m, 2 * d).clone())


def test_keeps_a_bounded_share_of_each_frame():
    mem = RecentVideoMemory(num_videos=2, per_video=5)
    # 3 frames of 4 proposals: ceil(5/3) = 2 per frame, 5 in all
    mem.add('a', [frame(0, 4), frame(10, 4), frame(20, 4)])
    kept = mem.memory(exclude=None)
    assert kept.inter_keys[:, 0].tolist() == [0, 1, 10, 11, 20]
    assert kept.inter_values.shape == (5, 8)
    assert kept.inter_values[:, 0].tolist() == [0, -1, -10, -11, -20]
    # frames without proposals are skipped; a video without any is not kept
    mem.add('empty', [frame(0, 0)])
    assert len(mem) == 1


def test_oldest_video_leaves_first_and_the_current_one_is_excluded():
    mem = RecentVideoMemory(num_videos=2, per_video=2)
    for i, vid in enumerate('abc'):
        mem.add(vid, [frame(100 * i, 3)])
    assert list(mem.videos) == ['b', 'c']
    keys = mem.memory(exclude=None).inter_keys
    assert keys[:, 0].tolist() == [100, 101, 200, 201]
    assert mem.memory(exclude='c').inter_keys[:, 0].tolist() == [100, 101]
    assert mem.memory(exclude='b').inter_keys[:, 0].tolist() == [200, 201]
    # the same video again replaces its old entry and becomes the newest
    mem.add('b', [frame(500, 1)])
    assert list(mem.videos) == ['c', 'b']
    assert RecentVideoMemory(1, 1).memory(exclude=None) is None


@pytest.mark.parametrize('bad', [dict(num_videos=0, per_video=2),
                                 dict(num_videos=2, per_video=-1),
                                 dict(num_videos=1.5, per_video=2)])
def test_sizes_are_checked(bad):
    with pytest.raises(ValueError, match='test_cfg.recent_videos'):
        RecentVideoMemory(**bad)


def memory_with_recent():
    return VideoMemory(max_frames=4,
                       recent=RecentVideoMemory(num_videos=4, per_video=8))


def test_video_memory_hands_a_finished_video_over():
    memory = memory_with_recent()
    memory.start('v1', restart=True)
    memory.put(0, frame(0, 2))
    memory.put(1, frame(10, 2))
    memory.start('v1')  # the same video goes on: nothing moves
    assert len(memory.recent) == 0
    memory.start('v2', restart=True)  # another video starts
    assert list(memory.recent.videos) == ['v1'] and len(memory) == 0
    keys = memory.recent_memory().inter_keys  # v2 is the current video
    assert keys[:, 0].tolist() == [0, 1, 10, 11]
    # inference_video's streams end with new_stream()
    memory.put(0, frame(50, 1))
    token = memory.new_stream()
    assert list(memory.recent.videos) == ['v1', 'v2'] and len(memory) == 0
    assert token not in memory.recent.videos
    # a restart of the same video does not keep it as "another" video
    memory.start('v3', restart=True)
    memory.put(0, frame(60, 1))
    memory.start('v3', restart=True)
    assert 'v3' not in memory.recent.videos


def test_frames_of_old_weights_are_not_handed_over():
    memory = memory_with_recent()
    memory.validate(3)
    memory.start('v1')
    memory.put(0, frame(0, 2))
    memory.validate(4)  # an optimizer step in between
    memory.start('v2')
    assert len(memory.recent) == 0
    memory.put(0, frame(0, 2))
    memory.start('v3')
    assert list(memory.recent.videos) == ['v2']
    memory.clear()  # train()/eval()/load_state_dict(): new weights
    assert len(memory.recent) == 0
