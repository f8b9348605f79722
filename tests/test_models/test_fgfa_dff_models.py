"""What FGFA and DFF compute per video (random weights, tiny frames): DFF
runs the backbone on key frames only, FGFA once per frame of a video and
one flow per distinct frame of each key frame's window; their cache is the
core's VideoMemory; bad settings and missing frames are errors; the
training losses reach the flow network and the aggregator."""
import copy
import os.path as osp

import numpy as np
import pytest
import torch
from mmdet.structures import DetDataSample, TrackDataSample
from mmengine.config import Config
from mmengine.structures import InstanceData

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
CONFIGS = {
    'fgfa': 'configs/fgfa/fgfa_faster-rcnn_r50-dc5_8xb1-7e_imagenetvid.py',
    'dff': 'configs/dff/dff_faster-rcnn_r50-dc5_8xb1-7e_imagenetvid.py',
}
H, W = 64, 96


def small_cfg(method, **test_cfg):
    cfg = Config.fromfile(osp.join(ROOT, CONFIGS[method]))
    cfg.model.backbone.init_cfg = None
    cfg.model.motion.init_cfg = None
    for t in cfg.test_dataloader.dataset.pipeline[1].transforms:
        if t.type == 'Resize':
            t.scale = (W, H)
    if method == 'fgfa' and 'frame_range' in test_cfg:
        sampler = cfg.test_dataloader.dataset.pipeline[0]
        sampler.frame_range = sampler.num_support = test_cfg['frame_range']
        test_cfg.setdefault('cache_frames', 2 * test_cfg['frame_range'] + 1)
    cfg.model.test_cfg.update(test_cfg)
    return cfg


def build(method, **test_cfg):
    from mmhvr.apis import init_detector
    torch.manual_seed(0)
    with pytest.warns(UserWarning, match='RANDOM'):
        return init_detector(small_cfg(method, **test_cfg))


def frames(n, seed=0):
    rng = np.random.RandomState(seed)
    return [rng.randint(0, 255, (H, W, 3), dtype=np.uint8) for _ in range(n)]


class Calls:
    """Batch sizes of the calls of a module's forward."""

    def __init__(self, module):
        self.sizes = []
        module.register_forward_hook(
            lambda m, args, out: self.sizes.append(args[0].shape[0]))


def run(model, imgs, **kw):
    from mmhvr.apis import inference_video
    with torch.no_grad():
        return list(inference_video(model, imgs, mode='offline', **kw))


def test_dff_runs_the_backbone_on_key_frames_only():
    model = build('dff', key_frame_interval=3)
    backbone, motion = Calls(model.backbone), Calls(model.motion)
    run(model, frames(7))
    assert backbone.sizes == [1, 1, 1]  # frames 0, 3, 6
    assert motion.sizes == [1, 1, 1, 1]  # frames 1, 2, 4, 5
    assert list(model.video_memory.frames) == [6]  # the last key frame


def test_dff_key_frame_features_are_the_single_frame_ones():
    """Key frames are detected on their own maps (no flow), so interval 1
    is the per-frame detector."""
    model = build('dff', key_frame_interval=1)
    motion = Calls(model.motion)
    imgs = frames(3)
    results = run(model, imgs)
    assert motion.sizes == []
    from mmhvr.apis.inference import VideoInferencer
    inf = VideoInferencer(model)
    for t, img in enumerate(imgs):
        tensor, sample = inf._prepare(img, t, 'single')
        data = model.data_preprocessor(
            dict(inputs=[tensor[None]], data_samples=[track([sample])]))
        with torch.no_grad():
            x = model.extract_feat(data['inputs'][0])
            want = model.detect(x, data['data_samples'][0]
                                .video_data_samples[0]).pred_instances
        got = results[t].pred_instances
        assert len(got) == len(want) > 0
        assert torch.allclose(got.bboxes, want.bboxes, atol=1e-3)


def track(samples, **meta):
    t = TrackDataSample(metainfo=dict(key_frames_inds=[0], **meta))
    t.video_data_samples = samples
    return t


def frame_sample(frame_id):
    return DetDataSample(metainfo=dict(
        frame_id=frame_id, img_shape=(H, W), ori_shape=(H, W),
        scale_factor=(1.0, 1.0), pad_shape=(H, W), batch_input_shape=(H, W)))


def test_dff_non_key_frame_without_its_key_frame_is_an_error():
    model = build('dff', key_frame_interval=3)
    item = track([frame_sample(4)], video_id='v', stream_start=False)
    with pytest.raises(RuntimeError, match='key frame 3'):
        with torch.no_grad():
            model.predict(torch.zeros(1, 1, 3, H, W), [item])


def window_flows(num_frames, frame_range):
    """Flows per key frame: the distinct frames of its clamped window
    other than its own slot."""
    from mmhvr.models.detectors.fgfa import clamped_window
    out = []
    for t in range(num_frames):
        w = clamped_window(t, frame_range, 0, num_frames - 1)
        out.append(len({f for o, f in enumerate(w) if o != frame_range}))
    return out


def test_clamped_window_repeats_the_ends():
    from mmhvr.models.detectors.fgfa import clamped_window
    assert clamped_window(0, 2, 0, 7) == [0, 0, 0, 1, 2]
    assert clamped_window(6, 2, 0, 7) == [4, 5, 6, 7, 7]
    assert clamped_window(3, 2, 0, 7) == [1, 2, 3, 4, 5]


def test_fgfa_computes_each_frame_once_and_one_flow_per_window_frame():
    model = build('fgfa', frame_range=2)
    backbone, motion = Calls(model.backbone), Calls(model.motion)
    run(model, frames(6))
    assert sum(backbone.sizes) == 6
    assert motion.sizes == window_flows(6, 2) == [3, 3, 4, 4, 3, 3]


def test_fgfa_embeds_each_distinct_map_of_a_window_once():
    """The embedding network runs once per key frame, on the key's own map
    and each warped frame once: a clamped window's repeats are not
    embedded again (MMTracking embeds all 2 * frame_range + 1 entries and
    the key map separately)."""
    model = build('fgfa', frame_range=2)
    embed = Calls(model.aggregator.embed_convs[0])
    run(model, frames(3))
    assert embed.sizes == [f + 1 for f in window_flows(3, 2)] == [4, 3, 4]


def test_fgfa_cached_and_recomputed_supports_agree():
    model = build('fgfa', frame_range=2)
    imgs = frames(5, seed=1)
    cached = run(model, imgs)
    backbone = Calls(model.backbone)
    fresh = run(model, imgs, use_cache=False)
    assert sum(backbone.sizes) > 5  # every support loaded and recomputed
    for a, b in zip(cached, fresh):
        assert len(a.pred_instances) == len(b.pred_instances) > 0
        assert torch.allclose(a.pred_instances.bboxes,
                              b.pred_instances.bboxes, atol=1e-3)
        assert torch.allclose(a.pred_instances.scores,
                              b.pred_instances.scores, atol=1e-4)


def test_fgfa_refuses_supports_outside_its_window():
    model = build('fgfa', frame_range=1)
    item = track([frame_sample(0), frame_sample(3)], video_id='v',
                 stream_start=True, support_frame_ids=[3])
    with pytest.raises(ValueError, match='frame_range'):
        with torch.no_grad():
            model.predict(torch.zeros(1, 2, 3, H, W), [item])


def test_new_weights_empty_the_frame_cache():
    model = build('fgfa', frame_range=1)
    run(model, frames(3))
    assert len(model.video_memory) > 0
    model.load_state_dict(copy.deepcopy(model.state_dict()))
    assert len(model.video_memory) == 0


@pytest.mark.parametrize('method,key,value', [
    ('dff', 'key_frame_interval', 0),
    ('dff', 'key_frame_interval', 2.5),
    ('fgfa', 'frame_range', -1),
    ('fgfa', 'cache_frames', None),
])
def test_bad_test_settings_are_errors(method, key, value):
    from mmhvr.registry import MODELS
    cfg = small_cfg(method).model
    if value is None:
        cfg.test_cfg.pop(key)
    else:
        cfg.test_cfg[key] = value
    with pytest.raises(ValueError, match=key):
        MODELS.build(cfg)


@pytest.mark.parametrize('method,trained', [('dff', 'motion'),
                                            ('fgfa', 'aggregator')])
def test_losses_reach_the_flow_parts(method, trained):
    from mmhvr.registry import MODELS
    torch.manual_seed(0)
    model = MODELS.build(small_cfg(method).model)
    model.train()
    samples = []
    for t in range(3):
        s = frame_sample(t)
        s.gt_instances = InstanceData(
            bboxes=torch.tensor([[10., 8., 50., 40.]]),
            labels=torch.tensor([3]))
        samples.append(s)
    n = 2 if method == 'dff' else 3
    losses = model.loss(torch.randn(1, n, 3, H, W), [track(samples[:n])])
    total = sum(v for k, v in losses.items() if 'loss' in k
                for v in (v if isinstance(v, list) else [v]))
    assert torch.isfinite(total)
    total.backward()
    grads = [p.grad for p in getattr(model, trained).parameters()]
    assert all(g is not None for g in grads)
    assert any(g.abs().sum() > 0 for g in grads)


@pytest.mark.parametrize('method', ['fgfa', 'dff'])
def test_benchmark_times_both_paths(method):
    """tools/analysis_tools/benchmark.py's FGFA/DFF branch: the per-frame
    detector and the config's video path, on a few tiny frames."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'benchmark', osp.join(ROOT, 'tools', 'analysis_tools',
                              'benchmark.py'))
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    model = build(method, **({'frame_range': 1} if method == 'fgfa' else
                             {'key_frame_interval': 2}))
    backbone = Calls(model.backbone)
    out = bench.time_flow_detector(model, frames(4), warmup=1)
    # single frames after the warm-up; the video path over the whole video
    # (an offline method may compute many frames at its first key frame)
    assert out['single_frame']['frames'] == 3
    assert out['video']['frames'] == 4
    assert out['video']['mean_ms'] > 0
    # 4 single-frame passes, a 1-frame warm-up stream, then the video
    # path's own: each frame once (FGFA) or key frames 0 and 2 only (DFF),
    # then one frame for the per-pair parts
    assert backbone.sizes[:4] == [1] * 4
    assert sum(backbone.sizes[4:-1]) == 1 + (2 if method == 'dff' else 4)
    assert backbone.sizes[-1] == 1
    parts = {'flow_pair_ms', 'warp_ms'} | (
        {'embed_map_ms'} if method == 'fgfa' else set())
    assert set(out['parts']) == parts
    assert all(out['parts'][k] > 0 for k in parts)


def test_fgfa_online_mode_runs_on_past_frames():
    model = build('fgfa', frame_range=2)
    motion = Calls(model.motion)
    from mmhvr.apis import inference_video
    with torch.no_grad():
        out = list(inference_video(model, frames(4), mode='online'))
    assert len(out) == 4
    # frame 3: past frames 1, 2 and itself in the future slots
    assert motion.sizes[-1] == 3


@pytest.mark.parametrize('method', ['fgfa', 'dff'])
@pytest.mark.parametrize('backbone,depth,kind', [('r101', 101, 'ResNet'),
                                                 ('x101', 101, 'ResNeXt')])
def test_r101_x101_configs_change_only_the_backbone(method, backbone, depth,
                                                    kind):
    from mmhvr.registry import MODELS
    base = Config.fromfile(osp.join(ROOT, CONFIGS[method]))
    cfg = Config.fromfile(osp.join(ROOT, CONFIGS[method].replace(
        'r50', backbone)))
    assert cfg.model.backbone.type == kind
    assert cfg.model.backbone.depth == depth
    for cfg_ in (base, cfg):
        cfg_.model.backbone.init_cfg = None
        cfg_.model.motion.init_cfg = None
    a = MODELS.build(base.model).state_dict()
    b = MODELS.build(cfg.model).state_dict()
    rest = {k: tuple(v.shape) for k, v in a.items()
            if not k.startswith('backbone.')}
    assert rest == {k: tuple(v.shape) for k, v in b.items()
                    if not k.startswith('backbone.')}
    assert any(k.startswith('backbone.layer3.22.') for k in b)
    assert cfg.test_dataloader.dataset.pipeline == \
        base.test_dataloader.dataset.pipeline
    assert cfg.model.test_cfg == base.model.test_cfg
