"""One owner for per-video state: the model's frame cache never serves a
frame of one video (or of old weights) to another."""
import copy

import numpy as np
import pytest
import torch

from mmhvr.apis import FrameSource, inference_video, init_detector
from tests_helpers import TOY2

SMALL = dict(model=dict(test_cfg=dict(rpn=dict(max_per_img=16))))
NUM_SUPPORT = 2


@pytest.fixture(scope='module')
def state():
    """Weights every model of this file starts from."""
    torch.manual_seed(0)
    m = init_detector(TOY2, cfg_options=SMALL)
    m.init_weights()
    return copy.deepcopy(m.state_dict())


def fresh(state):
    m = init_detector(TOY2, cfg_options=SMALL)
    m.load_state_dict(state)
    return m


def video(seed, n=3, h=48, w=64):
    rng = np.random.default_rng(seed)
    return [rng.integers(0, 255, (h, w, 3), dtype=np.uint8) for _ in range(n)]


def predictions(model, frames, **kwargs):
    kwargs.setdefault('num_support', NUM_SUPPORT)
    return [(r.pred_instances.bboxes.clone(), r.pred_instances.scores.clone())
            for r in inference_video(model, frames, **kwargs)]


def assert_same(got, expected):
    assert len(got) == len(expected)
    for (b1, s1), (b2, s2) in zip(got, expected):
        assert b1.shape == b2.shape
        torch.testing.assert_close(b1, b2, atol=1e-6, rtol=0)
        torch.testing.assert_close(s1, s2, atol=1e-6, rtol=0)


def test_one_model_over_twelve_videos_matches_fresh_models(state):
    """The issue's loop: each video's FrameSource is freed before the next
    is made, so Python may give the next one the same id()."""
    model = fresh(state)
    expected = [predictions(fresh(state), video(seed)) for seed in range(12)]
    for _ in range(2):  # twice: the second pass starts with a full cache
        for seed in range(12):
            assert_same(predictions(model, video(seed)), expected[seed])


def test_same_source_object_with_new_frames_is_a_new_stream(state):
    """Forces the old key's collision: the same FrameSource object (same
    id) holding another video's frames."""
    model = fresh(state)
    source = FrameSource(video(1))
    first = list(inference_video(model, source, num_support=NUM_SUPPORT))
    source._arrays = video(2)
    second = list(inference_video(model, source, num_support=NUM_SUPPORT))
    assert_same([(r.pred_instances.bboxes, r.pred_instances.scores)
                 for r in second], predictions(fresh(state), video(2)))
    # each call is its own stream: a fresh key, whatever the source object
    keys = {r.metainfo['video_id'] for r in first + second}
    assert len(keys) == 2 and str(id(source)) not in ''.join(keys)


def test_new_weights_empty_the_cache(state):
    model = fresh(state)
    frames = video(3)
    before = predictions(model, frames)
    other = {k: v + 0.01 * torch.randn_like(v) if v.is_floating_point()
             else v for k, v in state.items()}
    # weights loaded between two runs on one video
    model.load_state_dict(other)
    assert len(model.frame_cache) == 0
    assert_same(predictions(model, frames), predictions(fresh(other), frames))
    assert not all(torch.equal(a[1], b[1])
                   for a, b in zip(before, predictions(model, frames)))


def test_weights_changed_in_the_middle_of_a_video_is_an_error(state):
    """An optimizer step between two key frames: the supports cached with
    the old weights are dropped, and the pipeline did not load them again,
    so the next key frame stops with a message saying why."""
    model = fresh(state)
    stream = inference_video(model, video(3), num_support=NUM_SUPPORT)
    next(stream)
    with torch.no_grad():
        next(model.parameters()).mul_(1.01)
    with pytest.raises(RuntimeError, match='weights changed'):
        next(stream)


def test_train_mode_empties_the_cache(state):
    model = fresh(state)
    predictions(model, video(4))
    assert len(model.frame_cache) > 0
    model.train()
    assert len(model.frame_cache) == 0


def dataset_item(model, frames, video_id, stream_start):
    """A test item as the dataset pipeline makes it: key frame 0 of a video
    with every support loaded."""
    from mmhvr.testing import demo_video_group
    batch = demo_video_group([0], num_frames=len(frames),
                             image_shape=(3, 48, 64),
                             support_frame_ids=range(1, len(frames)))
    batch['inputs'] = [torch.from_numpy(
        np.stack(frames).transpose(0, 3, 1, 2).copy())]
    sample = batch['data_samples'][0]
    sample.set_metainfo(dict(video_id=video_id, stream_start=stream_start))
    for s in sample.video_data_samples:
        s.set_metainfo(dict(video_id=video_id))
    return batch


def test_dataset_video_restarts_its_stream_on_its_first_frame(state):
    """Two test sets with the same video ids, one model: the second set's
    first frame restarts the stream instead of reusing the first set's
    memories of video 0."""
    model = fresh(state)
    a, b = video(5), video(6)
    with torch.no_grad():
        model.test_step(dataset_item(model, a, 0, True))
        got = model.test_step(dataset_item(model, b, 0, True))[0]
        want = fresh(state).test_step(dataset_item(model, b, 0, True))[0]
    torch.testing.assert_close(got.pred_instances.scores,
                               want.pred_instances.scores, atol=1e-6, rtol=0)


def test_missing_support_is_an_error_naming_the_switch(state):
    model = fresh(state)
    frames = video(7)
    item = dataset_item(model, frames, 'v', True)
    # frame 5 is a support, not loaded and never cached
    item['data_samples'][0].set_metainfo(dict(support_frame_ids=[1, 2, 5]))
    with pytest.raises(RuntimeError, match=r'frames \[5\]'):
        with torch.no_grad():
            model.test_step(copy.deepcopy(item))
    item['data_samples'][0].set_metainfo(dict(stream_start=False))
    with pytest.raises(RuntimeError, match='load_only_new=False'):
        with torch.no_grad():
            model.test_step(copy.deepcopy(item))


def run_pipeline(model, load_only_new, n=4):
    """Every key frame of one video through the config's test pipeline
    with ``load_only_new`` (the one caching switch)."""
    from mmengine.config import Config
    from mmengine.dataset import Compose, pseudo_collate
    from mmengine.registry import DefaultScope

    from mmhvr.apis.inference import _StreamFrames, inference_pipeline
    pipeline = inference_pipeline(
        Config.fromfile(TOY2).test_dataloader.dataset.pipeline,
        num_support=NUM_SUPPORT, use_cache=load_only_new)
    with DefaultScope.overwrite_default_scope('mmhvr'):
        pipeline = Compose(pipeline)
    source = FrameSource(video(8, n=n))
    images = _StreamFrames(source)
    sampler = pipeline.transforms[0]
    assert sampler.load_only_new is load_only_new
    computed, out, loaded = [], [], []
    original = model.extract_feat

    def counting(imgs):
        computed.append(imgs.shape[0])
        return original(imgs)

    model.extract_feat = counting
    try:
        with torch.no_grad():
            for t in range(n):
                loaded.append(len(sampler.frames_to_load(t, n)))
                images.load(sampler.frames_to_load(t, n))
                item = pipeline(dict(images=images, video_id='x',
                                     video_length=n, key_frame_id=t))
                r = model.test_step(pseudo_collate([item]))[0]
                out.append((r.pred_instances.bboxes, r.pred_instances.scores))
    finally:
        model.extract_feat = original
    return computed, out, loaded


def test_load_only_new_is_the_one_caching_switch(state):
    """True: each frame computed once, the cache serves later key frames;
    False: every support loaded and recomputed for every key frame; the
    same detections either way."""
    model = fresh(state)
    cached_work, cached, _ = run_pipeline(model, True)
    assert sum(cached_work) == 4
    full_work, full, loaded = run_pipeline(model, False)
    assert full_work == loaded and sum(loaded) > 4 + NUM_SUPPORT
    assert_same(cached, full)


def test_deprecated_use_cache_warns_and_changes_nothing(state):
    with pytest.warns(DeprecationWarning, match='load_only_new'):
        model = init_detector(TOY2, cfg_options=dict(
            model=dict(test_cfg=dict(use_cache=False,
                                     rpn=dict(max_per_img=16)))))
    model.load_state_dict(state)
    work, got, _ = run_pipeline(model, True)
    assert sum(work) == 4
    assert_same(got, run_pipeline(fresh(state), True)[1])


def test_inference_goes_through_the_config_test_pipeline(state):
    """inference_video resizes as the config's test pipeline says (here
    changed to 96x64) and loads frames with mmdet's LoadImageFromNDArray."""
    import mmcv

    from mmhvr.apis import VideoInferencer
    model = fresh(state)
    inferencer = VideoInferencer(model, num_support=NUM_SUPPORT)
    names = [type(t).__name__ for t in inferencer.pipeline.transforms[1]
             .transforms.transforms]
    assert names[0] == 'LoadImageFromNDArray'
    assert 'LoadTrackAnnotations' not in names
    resize = model.cfg.test_dataloader.dataset.pipeline[1].transforms[2]
    assert resize.type == 'Resize'
    resize.scale = (96, 64)
    result = next(inference_video(model, video(9, h=120, w=160),
                                  num_support=NUM_SUPPORT))
    w, h = mmcv.rescale_size((160, 120), (96, 64))
    assert result.metainfo['img_shape'] == (h, w)
    assert result.metainfo['ori_shape'] == (120, 160)


@pytest.mark.parametrize('bad', [-1, 1.5, True, '3'])
def test_bad_num_support_is_refused(state, bad):
    model = fresh(state)
    with pytest.raises(ValueError, match='num_support'):
        next(inference_video(model, video(0), num_support=bad))
