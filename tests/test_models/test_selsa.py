"""SELSA on the core (issue 21): MMTracking's detections from the converted
seeded checkpoint, through inference_video and through tools/test.py; every
frame's features once per video; the reference sampling; the aggregator and
the box head computing MMTracking's formulas (docs/mmtrack_methods.md §3)."""
import os.path as osp
import pickle

import pytest
import torch

from mmtrack_equivalence import (FIX, REPO, cfg_options, check_video,
                                 converted_checkpoint, fixture_test_options,
                                 load_tool, reference)
from mmhvr.apis import inference_video, init_detector
from mmhvr.models.detectors.selsa import adaptive_stride_refs
from mmhvr.models.video import FrameMemory
from mmhvr.registry import MODELS

CONFIG = osp.join(REPO, 'configs/selsa/'
                  'selsa_faster-rcnn_r50-dc5_8xb1-7e_imagenetvid.py')
METHOD = 'selsa'


@pytest.fixture(scope='module')
def checkpoint(tmp_path_factory):
    return converted_checkpoint(METHOD, str(tmp_path_factory.mktemp(METHOD)))


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
    out = str(tmp_path / 'out.pkl')
    tool = load_tool('tools/test.py')
    assert tool.main([CONFIG, checkpoint, '--work-dir', str(tmp_path),
                      '--out', out, '--quiet', '--cfg-options'] +
                     fixture_test_options(ref, str(tmp_path))) == 0
    with open(out, 'rb') as f:
        dumped = sorted(pickle.load(f), key=lambda r: r['frame_id'])
    check_video([r['pred_instances'] for r in dumped], ref)


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
