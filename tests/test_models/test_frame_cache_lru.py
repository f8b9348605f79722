"""The frame cache is bounded and evicts the least recently used frame:
offline testing with ``test_cfg.cache_frames`` smaller than the video (but
holding one support set) computes every frame once and gives the
detections of recomputing every support."""
import copy
import os
import sys

import torch
from mmdet.structures import TrackDataSample

from mmhvr.models import FrameMemory, VideoMemory
from mmhvr.testing import demo_video_group

sys.path.insert(0, os.path.dirname(__file__))
from test_hvr_detector import TOY2, assert_same_detections, build  # noqa


def test_least_recently_used_frame_goes_first():
    cache = VideoMemory(max_frames=3)
    cache.start('video-a')
    mems = {f: FrameMemory(bboxes=torch.zeros(f, 4)) for f in range(5)}
    for f in (0, 1, 2):
        cache.put(f, mems[f])
    assert cache.get(0) is mems[0]  # 0 is now the most recently used
    cache.put(3, mems[3])
    assert len(cache) == 3
    assert 1 not in cache and {0, 2, 3} <= set(cache.frames)
    cache.put(2, mems[2])  # putting again refreshes too
    cache.put(4, mems[4])
    assert 0 not in cache and {2, 3, 4} <= set(cache.frames)
    assert cache.get(1) is None


def window_items(data, radius):
    """Test items of every key frame of one video, frames in order: the
    key frame and the +-radius supports it has not seen loaded before."""
    frames = data['inputs'][0]
    samples = data['data_samples'][0].video_data_samples
    n = len(samples)
    seen = set()
    for key in range(n):
        supports = [f for f in range(max(0, key - radius),
                                     min(n, key + radius + 1)) if f != key]
        loaded = [key] + [f for f in supports if f not in seen]
        seen.update(loaded)
        track = TrackDataSample(metainfo=dict(
            key_frames_inds=[0], support_frame_ids=supports,
            stream_start=key == 0))
        track.video_data_samples = [copy.deepcopy(samples[i])
                                    for i in loaded]
        for s in track.video_data_samples:
            s.set_metainfo(dict(stream_start=key == 0))
        yield dict(inputs=[frames[loaded]], data_samples=[track]), supports


def test_offline_window_larger_video_than_cache():
    torch.manual_seed(0)
    _, model = build(TOY2)
    model.eval()
    radius = 1
    model.frame_cache.max_frames = 2 * radius + 1  # one support set
    data = demo_video_group([0], num_frames=8, image_shape=(3, 96, 128))
    computed, sizes, cached = [], [], []
    original = model.extract_feat

    def counting(imgs):
        computed.append(imgs.shape[0])
        return original(imgs)

    model.extract_feat = counting
    with torch.no_grad():
        for item, _ in window_items(data, radius):
            cached.append(model.test_step(item)[0])
            sizes.append(len(model.frame_cache))
    assert sum(computed) == 8  # every frame once, none evicted too early
    assert max(sizes) == 3 and sizes[-1] == 3  # bounded
    model.extract_feat = original
    # recomputing every support of every key frame gives the same boxes
    frames = data['inputs'][0]
    samples = data['data_samples'][0].video_data_samples
    uncached = []
    with torch.no_grad():
        for key, (_, supports) in enumerate(window_items(data, radius)):
            loaded = [key] + supports
            track = TrackDataSample(metainfo=dict(key_frames_inds=[0]))
            track.video_data_samples = [copy.deepcopy(samples[i])
                                        for i in loaded]
            uncached.append(model.test_step(
                dict(inputs=[frames[loaded]], data_samples=[track]))[0])
    assert_same_detections(cached, uncached)
