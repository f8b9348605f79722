"""FlowNetSimple, flow_warp_feats and EmbedAggregator compute what
MMTracking dev-1.x computes (docs/mmtrack_methods.md §5), checked on
hand-built inputs; the end-to-end check is test_fgfa_dff_equivalence.py."""
import json
import os.path as osp

import pytest
import torch

from mmhvr.models.aggregators import EmbedAggregator
from mmhvr.models.motion import FlowNetSimple, flow_warp_feats

FIX = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'fixtures',
               'mmtrack_ref')
MEAN = torch.tensor([123.675, 116.28, 103.53])
STD = torch.tensor([58.395, 57.12, 57.375])


def flownet(**kw):
    args = dict(img_scale_factor=0.5, flow_scale_factor=5.0,
                flow_img_norm_mean=[0.411, 0.432, 0.450],
                flow_img_norm_std=[255.0, 255.0, 255.0])
    args.update(kw)
    return FlowNetSimple(**args)


def test_flownet_keys_and_shapes_are_mmtracking_s():
    with open(osp.join(FIX, 'keys', 'fgfa.json')) as f:
        want = {k[len('motion.'):]: tuple(s)
                for k, s, _ in json.load(f)['keys']
                if k.startswith('motion.')}
    got = {k: tuple(v.shape) for k, v in flownet().state_dict().items()}
    assert got == want


def test_flownet_output_is_a_pixel_flow_at_input_size():
    torch.manual_seed(0)
    net = flownet().eval()
    imgs = torch.randn(2, 6, 64, 96)
    with torch.no_grad():
        flow = net(imgs, (64, 96), MEAN, STD)
    assert flow.shape == (2, 2, 64, 96)
    # the output is the last layer's flow (at conv2's 1/8 of the input)
    # upsampled x8 bilinearly, times 8 (pixels) and 5 (flow_scale_factor)
    last = []
    net.predict_flow.register_forward_hook(lambda m, a, o: last.append(o))
    with torch.no_grad():
        net(imgs, (64, 96), MEAN, STD)
    assert last[0].shape == (2, 2, 8, 12)
    want = torch.nn.functional.interpolate(
        last[0], scale_factor=8.0, mode='bilinear', align_corners=False)
    assert torch.allclose(flow, want * 8 * 5, atol=1e-5)


def test_flownet_input_is_unnormalised_zero_padded_and_halved():
    net = flownet()
    rgb = torch.rand(1, 6, 32, 48) * 255  # 0-255 RGB pair
    imgs = (rgb - MEAN.repeat(2)[None, :, None, None]) / \
        STD.repeat(2)[None, :, None, None]
    x = net.prepare_imgs(imgs, (20, 40), MEAN, STD)
    assert x.shape == (1, 6, 16, 24)
    want = rgb / 255 - torch.tensor(
        [0.411, 0.432, 0.450]).repeat(2)[None, :, None, None]
    want[:, :, 20:] = 0
    want[:, :, :, 40:] = 0
    want = torch.nn.functional.interpolate(want, scale_factor=0.5,
                                           mode='bilinear',
                                           align_corners=False)
    assert torch.allclose(x, want, atol=1e-5)


def ramp(w, h=3):
    """(1, 1, h, w) map whose value is its x coordinate."""
    return torch.arange(w, dtype=torch.float32).expand(h, w)[None, None]


def test_zero_flow_shifts_by_the_w_normalisation():
    """g / W * 2 - 1 with align_corners=True samples x * (W - 1) / W."""
    w = 8
    out = flow_warp_feats(ramp(w), torch.zeros(1, 2, 3, w))
    want = torch.arange(w, dtype=torch.float32) * (w - 1) / w
    assert torch.allclose(out[0, 0, 1], want, atol=1e-6)


def test_flow_is_resized_and_scaled_to_the_feature_map():
    """A flow of 4 px at twice the map's resolution moves 2 cells; beyond
    the map the border value is kept."""
    w = 8
    flow = torch.zeros(1, 2, 6, 2 * w)
    flow[:, 0] = 4.0
    out = flow_warp_feats(ramp(w), flow)
    want = ((torch.arange(w) + 2.0) * (w - 1) / w).clamp(max=w - 1)
    assert torch.allclose(out[0, 0, 1], want, atol=1e-5)
    flow = torch.zeros(1, 2, 6, 2 * w)
    flow[:, 1] = 2.0  # 1 cell down on a map constant along y: no change
    assert torch.allclose(flow_warp_feats(ramp(w), flow)[0, 0, 1],
                          torch.arange(w) * (w - 1) / w, atol=1e-5)


def test_warp_refuses_mismatched_shapes():
    with pytest.raises(ValueError, match='flow'):
        flow_warp_feats(torch.zeros(2, 3, 4, 4), torch.zeros(1, 2, 4, 4))


def identity_aggregator(channels=4):
    agg = EmbedAggregator(num_convs=1, channels=channels, kernel_size=3)
    with torch.no_grad():
        w = agg.embed_convs[0].conv.weight
        w.zero_()
        for c in range(channels):
            w[c, c, 1, 1] = 1.0
        agg.embed_convs[0].conv.bias.zero_()
    return agg


def test_embed_aggregator_weights_are_a_softmax_of_cosines():
    torch.manual_seed(0)
    agg = identity_aggregator()
    x = torch.randn(1, 4, 5, 6)
    refs = torch.randn(3, 4, 5, 6)
    cos = torch.nn.functional.cosine_similarity(refs, x, dim=1)  # (3, h, w)
    want = (refs * cos.softmax(0)[:, None]).sum(0, keepdim=True)
    assert torch.allclose(agg(x, refs), want, atol=1e-5)


def test_embed_aggregator_of_equal_maps_is_that_map():
    torch.manual_seed(1)
    agg = EmbedAggregator(num_convs=2, channels=4, kernel_size=3)
    ref = torch.randn(1, 4, 5, 6)
    out = agg(torch.randn(1, 4, 5, 6), ref.expand(3, -1, -1, -1))
    assert torch.allclose(out, ref, atol=1e-5)
    # the last conv has no activation, the others the configured one
    assert not agg.embed_convs[-1].with_activation
    assert agg.embed_convs[0].with_activation


def test_embed_aggregator_rows_of_a_window_with_repeats():
    """A clamped window repeats frames: given as rows of the distinct maps
    (``index``, the key's own map one of them, ``key_row``), each is
    embedded once and the aggregate is the plain window's."""
    torch.manual_seed(2)
    agg = EmbedAggregator(num_convs=2, channels=4, kernel_size=3)
    x = torch.randn(1, 4, 5, 6)
    distinct = torch.cat((x, torch.randn(2, 4, 5, 6)))
    index = torch.tensor([1, 1, 1, 0, 2])  # the window: 1 1 1 key 2
    want = agg(x, distinct[index])
    embedded = []
    agg.embed_convs[0].register_forward_hook(
        lambda m, args, out: embedded.append(args[0].shape[0]))
    got = agg(x, distinct, index=index, key_row=0)
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-6)
    assert embedded == [3]  # the 3 distinct maps, the key among them
    # a window without repeats: the same as without index
    torch.testing.assert_close(
        agg(x, distinct, index=torch.arange(3), key_row=0),
        agg(x, distinct), rtol=1e-5, atol=1e-6)


def test_embed_aggregator_refuses_a_batch_of_keys():
    with pytest.raises(ValueError, match='x \\(1, C, h, w\\)'):
        identity_aggregator()(torch.zeros(2, 4, 3, 3), torch.zeros(2, 4, 3, 3))
