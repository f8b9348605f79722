"""RecentVideoMemory and its hand-off from the frame cache
(test_cfg.recent_videos: the inter relation sees the videos tested
before)."""
import pytest
import torch

from mmhvr.models.detectors import FrameMemoryCache, RecentVideoMemory


def frame(start, m, d=4):
    """A frame's inter projections: rows numbered start..start+m-1."""
    rows = torch.arange(start, start + m, dtype=torch.float32)[:, None]
    return rows.expand(m, d).clone(), -rows.expand(m, 2 * d).clone()


def test_keeps_a_bounded_share_of_each_frame():
    mem = RecentVideoMemory(num_videos=2, per_video=5)
    # 3 frames of 4 proposals: ceil(5/3) = 2 per frame, 5 in all
    mem.add('a', [frame(0, 4), frame(10, 4), frame(20, 4)], weights=7)
    keys, values = mem.memory(exclude=None, weights=7)
    assert keys[:, 0].tolist() == [0, 1, 10, 11, 20]
    assert values.shape == (5, 8) and values[:, 0].tolist() == [
        0, -1, -10, -11, -20]
    # frames without proposals are skipped; a video without any is not kept
    mem.add('empty', [frame(0, 0)], weights=7)
    assert len(mem) == 1


def test_oldest_video_leaves_first_and_the_current_one_is_excluded():
    mem = RecentVideoMemory(num_videos=2, per_video=2)
    for i, vid in enumerate('abc'):
        mem.add(vid, [frame(100 * i, 3)], weights=1)
    assert list(mem.videos) == ['b', 'c']
    keys, _ = mem.memory(exclude=None, weights=1)
    assert keys[:, 0].tolist() == [100, 101, 200, 201]
    keys, _ = mem.memory(exclude='c', weights=1)
    assert keys[:, 0].tolist() == [100, 101]
    assert mem.memory(exclude='b', weights=1)[0][:, 0].tolist() == [200, 201]
    # the same video again replaces its old entry and becomes the newest
    mem.add('b', [frame(500, 1)], weights=1)
    assert list(mem.videos) == ['c', 'b']


def test_other_weights_empty_it():
    mem = RecentVideoMemory(num_videos=3, per_video=2)
    mem.add('a', [frame(0, 2)], weights=1)
    assert mem.memory(exclude=None, weights=2) is None
    assert len(mem) == 0
    mem.add('a', [frame(0, 2)], weights=1)
    mem.add('b', [frame(0, 2)], weights=2)  # made with new weights
    assert list(mem.videos) == ['b']


@pytest.mark.parametrize('bad', [dict(num_videos=0, per_video=2),
                                 dict(num_videos=2, per_video=-1),
                                 dict(num_videos=1.5, per_video=2)])
def test_sizes_are_checked(bad):
    with pytest.raises(ValueError, match='test_cfg.recent_videos'):
        RecentVideoMemory(**bad)


def cache_with_memory():
    cache = FrameMemoryCache(max_frames=4)
    cache.recent = RecentVideoMemory(num_videos=4, per_video=8)
    return cache


def test_frame_cache_hands_a_finished_video_over():
    cache = cache_with_memory()
    cache.start('v1', restart=True, weights=3)
    cache.put(0, dict(inter=frame(0, 2)))
    cache.put(1, dict(inter=frame(10, 2)))
    cache.start('v1', weights=3)  # the same video goes on: nothing moves
    assert len(cache.recent) == 0
    cache.start('v2', restart=True, weights=3)  # another video starts
    assert list(cache.recent.videos) == ['v1'] and len(cache) == 0
    keys, _ = cache.recent.memory(exclude='v2', weights=3)
    assert keys[:, 0].tolist() == [0, 1, 10, 11]
    # inference_video's streams end with new_stream()
    cache.put(0, dict(inter=frame(50, 1)))
    token = cache.new_stream()
    assert list(cache.recent.videos) == ['v1', 'v2'] and len(cache) == 0
    assert token not in cache.recent.videos
    # a restart of the same video does not keep it as "another" video
    cache.start('v3', restart=True, weights=3)
    cache.put(0, dict(inter=frame(60, 1)))
    cache.start('v3', restart=True, weights=3)
    assert 'v3' not in cache.recent.videos


def test_frames_of_old_weights_are_not_handed_over():
    cache = cache_with_memory()
    cache.start('v1', weights=3)
    cache.put(0, dict(inter=frame(0, 2)))
    cache.start('v2', weights=4)  # an optimizer step in between
    assert len(cache.recent) == 0
    cache.put(0, dict(inter=frame(0, 2)))
    cache.start('v3', weights=4)
    assert list(cache.recent.videos) == ['v2']
    cache.clear()  # train()/eval()/load_state_dict(): new weights
    assert len(cache.recent) == 0
