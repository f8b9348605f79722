"""SELSA on the core (issue 21): MMTracking's detections from the converted
seeded checkpoint, through inference_video and through tools/test.py; every
frame's features once per video; the reference sampling; the aggregator and
the box head computing MMTracking's formulas (docs/mmtrack_methods.md §3)."""
import os.path as osp

import pytest
import torch

from mmtrack_equivalence import (FIX, REPO, cfg_options, check_video,
                                 checkpoint_fixture, reference, run_test_loop,
                                 toy_losses)
from mmhvr.apis import inference_video, init_detector
from mmhvr.models.detectors.selsa import adaptive_stride_refs
from mmhvr.models.video import FrameMemory
from mmhvr.registry import MODELS

CONFIG = osp.join(REPO, 'configs/selsa/'
                  'selsa_faster-rcnn_r50-dc5_8xb1-7e_imagenetvid.py')
METHOD = 'selsa'
checkpoint = checkpoint_fixture(METHOD)


def test_inference_video_gives_mmtracking_detections_features_once(
        checkpoint):
    ref = reference(METHOD)
    model = init_detector(CONFIG, checkpoint,
                          cfg_options=cfg_options(ref))
    frames_seen = []
    extract = model.extract_feat

    def counting(imgs):
        frames_seen.append(imgs.shape[0])
        return extract(imgs)

    model.extract_feat = counting
    results = [
        r.pred_instances for r in inference_video(
            model, osp.join(FIX, 'frames'), mode='offline')
    ]
    check_video(results, ref)
    # 8 frames, each through the backbone once (MMTracking: 8 + 4 + 1)
    assert sum(frames_seen) == len(ref['frames'])


def test_test_loop_gives_mmtracking_detections(checkpoint, tmp_path):
    ref = reference(METHOD)
    check_video(run_test_loop(CONFIG, checkpoint, ref, str(tmp_path)), ref)


def test_references_are_mmtracking_adaptive_stride():
    ref = reference(METHOD)
    # the stored reference frames of every key frame: the same spread
    # frames, then the key frame itself
    for frame in ref['frames']:
        assert adaptive_stride_refs(8, 4) + [frame['frame_id']] == \
            frame['ref_frame_ids']
    assert adaptive_stride_refs(8, 4) == [0, 2, 5, 7]
    # a short video repeats frames: round(i * 2/3) = 0, 1, 1, 2
    assert adaptive_stride_refs(3, 4) == [0, 1, 1, 2]
    assert adaptive_stride_refs(15, 14) == [
        0, 1, 2, 3, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14]
    assert adaptive_stride_refs(5, 0) == []


def mmtrack_aggregator(agg, x, ref_x, groups):
    """docs/mmtrack_methods.md §3, written out (the residual is the
    head's)."""
    n, c = x.shape
    m, d = ref_x.shape[0], c // groups
    q = agg.query(x).view(n, groups, d).permute(1, 0, 2)
    k = agg.key(ref_x).view(m, groups, d).permute(1, 2, 0)
    w = torch.softmax(q @ k / d**0.5, dim=-1)
    v = agg.value(ref_x).view(m, groups, d).permute(1, 0, 2)
    return agg.out((w @ v).permute(1, 0, 2).reshape(n, c))


def build_head(num_fcs=2):
    head = MODELS.build(
        dict(type='SelsaBBoxHead', num_shared_fcs=num_fcs, in_channels=8,
             fc_out_channels=32, roi_feat_size=3, num_classes=4,
             aggregator=dict(type='RelationBlock', in_channels=32,
                             num_heads=4)))
    torch.manual_seed(0)
    for p in head.parameters():
        torch.nn.init.normal_(p, std=0.2)
    return head.eval()


@torch.no_grad()
def test_head_forward_is_mmtracking_selsa_head():
    head = build_head(num_fcs=3)
    torch.manual_seed(1)
    x = torch.randn(5, 8, 3, 3)
    ref_x = torch.randn(7, 8, 3, 3)
    # MMTracking's SelsaBBoxHead.forward(x, ref_x)
    a, b = x.flatten(1), ref_x.flatten(1)
    for i, fc in enumerate(head.shared_fcs):
        a, b = fc(a), fc(b)
        a = a + mmtrack_aggregator(head.aggregator[i], a, b, 4)
        a, b = a.relu(), b.relu()
    want_cls, want_reg = head.fc_cls(a), head.fc_reg(a)
    # mmhvr: the references' memories made once, split and joined again
    mems = [head.frame_memory(torch.zeros(len(r), 4), head.embed(r))
            for r in (ref_x[:3], ref_x[3:])]
    cls, reg = head(head.embed(x), FrameMemory.cat(mems))
    torch.testing.assert_close(cls, want_cls, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(reg, want_reg, rtol=1e-5, atol=1e-5)
    # a frame's first-fc output survives in its memory (no in-place ReLU)
    torch.testing.assert_close(mems[0].embeddings,
                               head.embed(ref_x[:3]))


@torch.no_grad()
def test_repeated_reference_weighs_twice():
    head = build_head()
    torch.manual_seed(2)
    x, r1, r2 = (torch.randn(n, 8, 3, 3) for n in (4, 6, 6))
    m1, m2 = (head.frame_memory(torch.zeros(6, 4), head.embed(r))
              for r in (r1, r2))
    once = head(head.embed(x), FrameMemory.cat([m1, m2]))[0]
    twice = head(head.embed(x), FrameMemory.cat([m1, m1, m2]))[0]
    assert not torch.allclose(once, twice, atol=1e-4)


TOY = osp.join(REPO, 'configs/selsa/selsa_faster-rcnn_r18-dc5_toyvid.py')


def test_toy_selsa_losses_train_the_aggregators():
    model, losses, total = toy_losses(TOY)
    assert {'loss_rpn_cls', 'loss_rpn_bbox', 'loss_cls',
            'loss_bbox'} <= set(losses)
    assert torch.isfinite(total)
    head = model.roi_head.bbox_head
    for agg in head.aggregator:  # the references reach the loss
        for p in (agg.key.weight, agg.value.weight, agg.query.weight):
            assert p.grad is not None and p.grad.abs().sum() > 0


def test_toy_selsa_trains_and_tests_with_train_py(toy_data, tmp_path):
    from tests_helpers import data_opts, run_tool
    opts = [o for o in data_opts(toy_data) if 'num_support' not in o]
    proc = run_tool(
        ['tools/train.py', TOY, '--work-dir', str(tmp_path),
         '--cfg-options', 'train_cfg.max_iters=2', 'train_cfg.val_interval=2',
         'default_hooks.checkpoint.interval=2',
         'default_hooks.logger.interval=1',
         'model.test_cfg.num_ref_imgs=3',
         'val_dataloader.dataset.pipeline.0.num_support=3',
         'test_dataloader.dataset.pipeline.0.num_support=3'] + opts)
    assert (tmp_path / 'iter_2.pth').exists()
    assert 'loss_cls' in proc.stdout + proc.stderr
    assert 'vid/mAP' in proc.stdout + proc.stderr


def test_online_mode_attends_to_the_past_frames():
    """inference_video(mode='online'): the pipeline's past frames and the
    key frame are the references (MMTracking's spread references would
    need future frames); said once in a warning."""
    import itertools
    import warnings
    ref = reference(METHOD)
    model = init_detector(CONFIG, cfg_options=cfg_options(ref))
    seen = []
    predict = model.roi_head.predict_key_frame

    def recording(key, refs, *args, **kwargs):
        seen.append([len(r) for r in refs])
        assert refs[-1] is key
        return predict(key, refs, *args, **kwargs)

    model.roi_head.predict_key_frame = recording
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        list(itertools.islice(
            inference_video(model, osp.join(FIX, 'frames'), mode='online',
                            num_support=2), 4))
    assert [len(s) for s in seen] == [1, 2, 3, 3]
    assert sum('attending to the pipeline' in str(w.message)
               for w in caught) == 1


@pytest.mark.parametrize('config', [
    TOY, osp.join(REPO, 'configs/temporal_roi_align/'
                  'selsa-troialign_faster-rcnn_r18-dc5_toyvid.py')])
def test_benchmark_times_method_and_its_single_frame_detector(
        config, tmp_path):
    """tools/analysis_tools/benchmark.py runs a SELSA/TRoI config (random
    weights) and reports its ms/frame next to the single-frame Faster
    R-CNN of the same config (no timing asserted)."""
    import json

    from tests_helpers import frame_folder, run_tool
    folder = frame_folder(tmp_path / 'frames', [(64, 80)] * 3)
    out = tmp_path / 'bench.json'
    proc = run_tool(['tools/analysis_tools/benchmark.py', config, '--video',
                     str(folder), '--num-frames', '2', '--warmup', '0',
                     '--out', str(out)])
    res = json.load(open(out))
    for path in ('single_frame', 'video'):
        assert res[path]['frames'] == 2
        assert 0 < res[path]['p10_ms'] <= res[path]['median_ms']
    assert res['ratio'] == pytest.approx(
        res['video']['median_ms'] / res['single_frame']['median_ms'])
    assert f"single-frame: {res['ratio']:.3f}x" in proc.stdout
