import os.path as osp

import numpy as np
import pytest
import torch

from mmhvr.apis import FrameSource, inference_video, init_detector

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
TOY2 = osp.join(REPO, 'configs/hvrnet/hvrnet_faster-rcnn_r18-dc5_stage2_toyvid.py')
SMALL = dict(model=dict(test_cfg=dict(rpn=dict(max_per_img=32))))


def fresh_model():
    torch.manual_seed(0)
    m = init_detector(TOY2, cfg_options=SMALL)
    m.init_weights()
    return m


@pytest.fixture
def model():
    """A model of its own per test: no frame cache left by another test."""
    return fresh_model()


def frames(n=7, h=60, w=80, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 255, (h, w, 3), dtype=np.uint8) for _ in range(n)]


def test_online_never_reads_a_future_frame(model):
    source = FrameSource(frames(8))
    seen_max = []
    for t, result in enumerate(
            inference_video(model, source, mode='online', num_support=3)):
        assert result.metainfo['frame_id'] == t
        seen_max.append(max(source.accessed))
    assert seen_max == list(range(8))
    # bounded: the cache holds the supports and the key frame at most
    assert len(model.frame_cache) <= 4


def test_cached_and_uncached_inference_match(model):
    video = frames(6)
    for mode in ('offline', 'online'):
        cached = list(inference_video(model, video, mode=mode,
                                      num_support=3))
        uncached = list(inference_video(model, video, mode=mode,
                                        num_support=3, use_cache=False))
        assert len(cached) == len(uncached) == 6
        for a, b in zip(cached, uncached):
            pa, pb = a.pred_instances, b.pred_instances
            assert len(pa) == len(pb) > 0
            torch.testing.assert_close(pa.bboxes, pb.bboxes, atol=1e-5,
                                       rtol=1e-5)
            torch.testing.assert_close(pa.scores, pb.scores, atol=1e-5,
                                       rtol=1e-5)


def test_each_frame_computed_once(model, monkeypatch):
    calls = []
    original = model.extract_feat

    def counting(imgs):
        calls.append(imgs.shape[0])
        return original(imgs)

    monkeypatch.setattr(model, 'extract_feat', counting)
    list(inference_video(model, frames(9), mode='offline', num_support=8))
    assert sum(calls) == 9


def test_a_second_video_gets_its_own_detections(model):
    """One model over two videos (different pixels, same frame numbers):
    the second video's detections equal a fresh model's, so nothing of the
    first video's frames is reused."""
    first, second = frames(5, seed=1), frames(5, seed=2)
    for mode in ('offline', 'online'):
        list(inference_video(model, first, mode=mode, num_support=3))
        reused = list(inference_video(model, second, mode=mode,
                                      num_support=3))
        alone = list(inference_video(fresh_model(), second, mode=mode,
                                     num_support=3))
        for a, b in zip(reused, alone):
            pa, pb = a.pred_instances, b.pred_instances
            assert len(pa) == len(pb) > 0
            torch.testing.assert_close(pa.bboxes, pb.bboxes, atol=1e-6,
                                       rtol=1e-6)
            torch.testing.assert_close(pa.scores, pb.scores, atol=1e-6,
                                       rtol=1e-6)


def test_boxes_in_original_coordinates(model):
    video = frames(3, h=120, w=200)
    for result in inference_video(model, video, mode='offline'):
        b = result.pred_instances.bboxes
        assert result.metainfo['ori_shape'] == (120, 200)
        assert (b[:, 0::2] <= 200 + 1e-3).all()
        assert (b[:, 1::2] <= 120 + 1e-3).all()


def test_bad_sources(tmp_path):
    with pytest.raises(FileNotFoundError):
        FrameSource(str(tmp_path / 'nope.mp4'))
    (tmp_path / 'empty').mkdir()
    with pytest.raises(ValueError, match='no frames'):
        FrameSource(str(tmp_path / 'empty'))
    bad = tmp_path / 'bad.mp4'
    bad.write_bytes(b'not a video')
    with pytest.raises(ValueError):
        FrameSource(str(bad))


def test_a_stream_remembers_recent_videos_when_asked():
    """test_cfg.recent_videos: each video inference_video finishes is kept
    (at most num_videos, per_video proposals each) for the next ones."""
    torch.manual_seed(0)
    model = init_detector(TOY2, cfg_options=dict(model=dict(test_cfg=dict(
        rpn=dict(max_per_img=32),
        recent_videos=dict(num_videos=2, per_video=10)))))
    model.init_weights()
    memory = model.frame_cache.recent
    for i in range(3):
        list(inference_video(model, frames(3, seed=i), mode='online',
                             num_support=2))
        assert len(memory) == min(i, 2)  # the current video is not in yet
    list(inference_video(model, frames(2, seed=9), num_support=1))
    assert len(memory) == 2
    assert all(len(kept) == 10 for kept in memory.videos.values())
    model.train()  # new weights to come: what was kept is dropped
    assert len(memory) == 0
