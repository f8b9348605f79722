"""FrameMemoryCache: the one owner of per-video state at test time."""
import torch

from mmhvr.models.detectors.frame_cache import (FrameMemoryCache,
                                                weights_version)


def filled(cache, video, frames=(0, 1, 2), weights=None):
    cache.start(video, weights=weights)
    for f in frames:
        cache.put(f, f'{video}:{f}')
    return cache


def test_stream_tokens_never_repeat():
    cache = FrameMemoryCache(4)
    tokens = [cache.new_stream() for _ in range(1000)]
    assert len(set(tokens)) == len(tokens)


def test_new_stream_and_restart_empty_the_cache():
    cache = filled(FrameMemoryCache(4), 'a')
    token = cache.new_stream()
    assert len(cache) == 0 and token != 'a'
    filled(cache, 'a')
    cache.start('a')  # the same stream goes on: kept
    assert cache.get(1) == 'a:1'
    cache.start('a', restart=True)  # its first frame again: a new stream
    assert len(cache) == 0 and cache.reset_reason
    filled(cache, 'a')
    cache.start('b')
    assert 1 not in cache and 'another video' in cache.reset_reason


def test_changed_weights_empty_the_cache():
    layer = torch.nn.Linear(2, 2)
    cache = filled(FrameMemoryCache(4), 'a', weights=weights_version(layer))
    cache.start('a', weights=weights_version(layer))
    assert len(cache) == 3 and cache.reset_reason is None
    with torch.no_grad():
        layer.weight.add_(1)  # what an optimizer step does
    cache.start('a', weights=weights_version(layer))
    assert len(cache) == 0 and 'weights changed' in cache.reset_reason


def test_least_recently_used_frame_leaves_first():
    cache = filled(FrameMemoryCache(3), 'a')
    cache.get(0)
    cache.put(3, 'a:3')
    assert cache.missing([0, 1, 2, 3]) == [1]
