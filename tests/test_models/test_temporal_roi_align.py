"""Temporal RoI Align on the core (issue 21): MMTracking's detections from
the converted seeded checkpoint (tools/test.py and inference_video on the
fixture video), and the extractor computing MMTracking's Most Similar RoI
Align and temporal attention (docs/mmtrack_methods.md §4), both ways of
embedding the references."""
import os.path as osp

import torch

from mmtrack_equivalence import (REPO, check_video, checkpoint_fixture,
                                 reference, run_inference_video,
                                 run_test_loop, toy_losses)
from mmhvr.registry import MODELS

CONFIG = osp.join(REPO, 'configs/temporal_roi_align/selsa-troialign_'
                  'faster-rcnn_r50-dc5_8xb1-7e_imagenetvid.py')
METHOD = 'temporal_roi_align'
checkpoint = checkpoint_fixture(METHOD)


def test_test_loop_gives_mmtracking_detections(checkpoint, tmp_path):
    ref = reference(METHOD)
    check_video(run_test_loop(CONFIG, checkpoint, ref, str(tmp_path)), ref)


def test_inference_video_gives_mmtracking_detections(checkpoint):
    ref = reference(METHOD)
    check_video(run_inference_video(CONFIG, checkpoint, ref), ref)


def build_extractor(blocks=4):
    ex = MODELS.build(
        dict(type='TemporalRoIAlignExtractor', num_most_similar_points=2,
             num_temporal_attention_blocks=blocks,
             roi_layer=dict(type='RoIAlign', output_size=3,
                            sampling_ratio=2),
             out_channels=8, featmap_strides=[1]))
    torch.manual_seed(0)
    for p in ex.parameters():
        torch.nn.init.normal_(p, std=0.3)
    return ex.eval()


def mmtrack_temporal_roi_features(ex, roi, maps, k, blocks):
    """docs/mmtrack_methods.md §4 written out: one similarity matrix over
    all reference pixels, top-K per frame, softmaxed; attention over the
    T + 1 frames per channel block."""
    n, c, h, w = roi.shape
    t, _, mh, mw = maps.shape
    q = (roi / roi.norm(dim=1, keepdim=True)).permute(0, 2, 3, 1)
    q = q.reshape(-1, c)
    r = maps / maps.norm(dim=1, keepdim=True)
    sims = (q @ r.permute(1, 0, 2, 3).reshape(c, -1)).view(-1, t, mh * mw)
    val, idx = sims.topk(k, dim=2)
    val = val.softmax(dim=2)
    pix = maps.permute(2, 3, 0, 1).reshape(-1, t, c)
    ref_roi = torch.stack([
        (pix[idx[:, i], i, :] * val[:, i, :, None]).sum(1) for i in range(t)
    ]).view(t, n, h, w, c).permute(0, 1, 4, 2, 3)
    f = torch.cat([roi[None], ref_roi])
    e = ex.embed_network(f.reshape(-1, c, h, w)).view(t + 1, n, blocks, -1, h,
                                                       w)
    a = (e * e[[0]]).sum(3, keepdim=True) / (c / blocks)**0.5
    a = a.expand(-1, -1, -1, c // blocks, -1, -1).reshape(t + 1, n, c, h, w)
    return (f * a.softmax(dim=0)).sum(0)


@torch.no_grad()
def test_extractor_is_mmtracking_temporal_roi_align():
    ex = build_extractor()
    torch.manual_seed(1)
    key_map = torch.randn(1, 8, 6, 7)
    maps = torch.randn(3, 8, 6, 7)
    rois = torch.tensor([[0, 0.5, 0.5, 4.0, 3.5], [0, 2.0, 1.0, 6.5, 5.5]])
    roi = ex([key_map], rois)
    want = mmtrack_temporal_roi_features(ex, roi, maps, 2, 4)
    # both ways of embedding the most similar features: convolving them
    # (training) and the per-frame conv taps (testing, the default)
    for fast in (True, False):
        ex.fast_reference_embedding = fast
        got = ex([key_map], rois,
                 ref_maps=[ex.reference_map(m[None]) for m in maps])
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)
    # no references: plain RoIAlign
    torch.testing.assert_close(ex([key_map], rois), roi)


def test_extractor_with_gradients_convolves():
    """With gradients (training) the most similar features are convolved:
    the embedding conv's weight gets a gradient from every frame."""
    ex = build_extractor()
    torch.manual_seed(3)
    key_map, maps = torch.randn(1, 8, 6, 7), torch.randn(2, 8, 6, 7)
    rois = torch.tensor([[0, 1.0, 1.0, 5.0, 4.0]])
    refs = [ex.reference_map(m[None]) for m in maps]
    out = ex([key_map], rois, ref_maps=refs)
    out.sum().backward()
    assert ex.embed_network.conv.weight.grad.abs().sum() > 0
    assert all(r.taps is None for r in refs)  # the test-time path unused
    with torch.no_grad():
        torch.testing.assert_close(ex([key_map], rois, ref_maps=refs), out,
                                   rtol=1e-5, atol=1e-5)


def test_all_zero_roi_pixels_stay_finite():
    """A RoI over an all-zero region of the key map (and zero pixels in a
    reference map) has zero-norm features: MMTracking's x / |x| is NaN
    there (a toy training run stopped on it at iteration 327); mmhvr's is
    0, with finite gradients, and equals x / |x| everywhere else."""
    ex = build_extractor()
    torch.manual_seed(4)
    key_map = torch.randn(1, 8, 6, 7)
    key_map[..., :3, :3] = 0  # the first RoI lies in here
    maps = torch.randn(2, 8, 6, 7)
    maps[0, :, 0, 0] = 0
    key_map.requires_grad_(True)
    rois = torch.tensor([[0, 0.2, 0.2, 1.2, 1.2], [0, 2.0, 1.0, 6.5, 5.5]])
    refs = [ex.reference_map(m[None]) for m in maps]
    assert torch.isfinite(refs[0].normed).all()
    assert (refs[0].normed[:, 0] == 0).all()
    out = ex([key_map], rois, ref_maps=refs)
    assert torch.isfinite(out).all()
    out.sum().backward()
    assert torch.isfinite(key_map.grad).all()
    assert torch.isfinite(ex.embed_network.conv.weight.grad).all()
    # the non-zero RoI: the plain formula's result
    with torch.no_grad():
        roi = ex([key_map], rois[1:])
        want = mmtrack_temporal_roi_features(ex, roi, maps[1:], 2, 4)
        got = ex([key_map], rois[1:], ref_maps=refs[1:])
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)


@torch.no_grad()
def test_extractor_without_attention_averages():
    ex = build_extractor(blocks=0)
    torch.manual_seed(2)
    key_map, maps = torch.randn(1, 8, 6, 7), torch.randn(2, 8, 6, 7)
    rois = torch.tensor([[0, 1.0, 1.0, 5.0, 4.0]])
    refs = [ex.reference_map(m[None]) for m in maps]
    roi = ex([key_map], rois)
    want = torch.cat([roi[None], ex.most_similar(roi, refs)]).mean(0)
    torch.testing.assert_close(ex([key_map], rois, ref_maps=refs), want)


def test_toy_losses_train_the_temporal_embedding():
    model, _, total = toy_losses(osp.join(
        REPO, 'configs/temporal_roi_align/'
        'selsa-troialign_faster-rcnn_r18-dc5_toyvid.py'))
    assert torch.isfinite(total)
    conv = model.roi_head.bbox_roi_extractor.embed_network.conv.weight
    assert conv.grad is not None and conv.grad.abs().sum() > 0
    assert len(model.roi_head.bbox_head.aggregator) == 3
