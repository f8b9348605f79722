"""mmhvr.testing.seeded_weights: a checkpoint rebuilt from a key list and a
seed is the same every time, per key, and sized so a network computes
something non-degenerate (the MMTracking reference fixtures rely on it)."""
import math

import pytest
import torch

from mmhvr.testing.seeded_weights import (key_seed, seeded_state_dict,
                                          seeded_tensor, state_dict_specs,
                                          tensor_checksums)

SPECS = [
    ('backbone.conv1.weight', [64, 3, 7, 7], 'float32'),
    ('backbone.bn1.weight', [64], 'float32'),
    ('backbone.bn1.bias', [64], 'float32'),
    ('backbone.bn1.running_mean', [64], 'float32'),
    ('backbone.bn1.running_var', [64], 'float32'),
    ('backbone.bn1.num_batches_tracked', [], 'int64'),
    ('roi_head.bbox_head.fc_cls.weight', [31, 1024], 'float32'),
    ('roi_head.bbox_head.fc_cls.bias', [31], 'float32'),
]


def test_same_seed_rebuilds_identical_tensors():
    a = seeded_state_dict(SPECS, seed=3)
    b = seeded_state_dict(SPECS, seed=3)
    assert list(a) == [k for k, _, _ in SPECS]
    for key in a:
        assert a[key].dtype == b[key].dtype
        assert torch.equal(a[key], b[key]), key


def test_tensor_does_not_depend_on_other_keys_or_order():
    full = seeded_state_dict(SPECS, seed=3)
    part = seeded_state_dict(SPECS[::-2], seed=3)
    for key in part:
        assert torch.equal(part[key], full[key]), key


def test_seed_and_key_change_the_values():
    a = seeded_state_dict(SPECS, seed=3)
    b = seeded_state_dict(SPECS, seed=4)
    for key in a:
        if a[key].is_floating_point():
            assert not torch.equal(a[key], b[key]), key
        else:  # counters are zeros under any seed
            assert torch.equal(a[key], b[key]), key
    # two keys of one shape and rule differ
    w1 = seeded_tensor('a.conv.weight', (8, 8, 3, 3), seed=0)
    w2 = seeded_tensor('b.conv.weight', (8, 8, 3, 3), seed=0)
    assert not torch.allclose(w1, w2)
    assert key_seed(0, 'a') != key_seed(0, 'b') != key_seed(1, 'a')


def test_weights_are_fan_in_scaled_normals():
    shape = (256, 128, 3, 3)
    for gain in (1.0, 2.0):
        w = seeded_tensor('neck.conv.weight', shape, seed=0, gain=gain)
        expected = gain / math.sqrt(128 * 9)
        assert w.dtype == torch.float32 and w.shape == shape
        assert abs(w.std().item() / expected - 1) < 0.02
        assert abs(w.mean().item()) < 0.02 * expected
        # a normal, not a uniform: kurtosis ~ 3
        z = (w - w.mean()) / w.std()
        assert abs((z**4).mean().item() - 3) < 0.1


def test_norm_and_buffer_rules():
    sd = seeded_state_dict(
        [('bn.weight', [4096], 'float32'), ('bn.bias', [4096], 'float32'),
         ('bn.running_mean', [4096], 'float32'),
         ('bn.running_var', [4096], 'float32'),
         ('bn.num_batches_tracked', [], 'int64')], seed=0)
    assert abs(sd['bn.weight'].mean().item() - 1) < 0.01
    assert 0.05 < sd['bn.weight'].std().item() < 0.15
    assert abs(sd['bn.bias'].std().item() - 0.02) < 0.002
    assert abs(sd['bn.running_mean'].std().item() - 0.1) < 0.01
    var = sd['bn.running_var']
    assert var.min().item() >= 0.5 and var.max().item() <= 1.5
    assert abs(var.mean().item() - 1) < 0.02
    assert sd['bn.num_batches_tracked'].dtype == torch.int64
    assert sd['bn.num_batches_tracked'].item() == 0


def test_scales_multiply_by_longest_matching_prefix():
    specs = [('head.fc_cls.weight', [31, 64], 'float32'),
             ('head.fc_reg.weight', [120, 64], 'float32')]
    plain = seeded_state_dict(specs, seed=0)
    scaled = seeded_state_dict(
        specs, seed=0, scales={'head.': 2.0, 'head.fc_cls.': 10.0})
    assert torch.allclose(scaled['head.fc_cls.weight'],
                          10 * plain['head.fc_cls.weight'])
    assert torch.allclose(scaled['head.fc_reg.weight'],
                          2 * plain['head.fc_reg.weight'])


def test_specs_and_checksums_round_trip():
    sd = seeded_state_dict(SPECS, seed=5)
    assert [tuple(s) for s in state_dict_specs(sd)] == \
        [(k, list(s), d) for k, s, d in SPECS]
    sums = tensor_checksums(sd)
    assert sums['backbone.bn1.running_var'][0] > 0
    assert sums['backbone.conv1.weight'][1] > 0


@pytest.mark.parametrize('spec, words', [
    (('x.weight', [3], 'complex64'), ['x.weight', 'complex64']),
    (('x.alpha', [3], 'float32'), ['x.alpha', "'alpha'"]),
    (('x.weight', [], 'float32'), ['x.weight', 'shape ()']),
    (('x.weight', [-1, 3], 'float32'), ['x.weight', 'negative']),
])
def test_key_without_a_rule_is_named(spec, words):
    with pytest.raises(ValueError) as err:
        seeded_state_dict([spec], seed=0)
    for word in words:
        assert word in str(err.value)


def test_duplicate_key_and_bad_seed_are_refused():
    with pytest.raises(ValueError, match='a.bias: listed twice'):
        seeded_state_dict([('a.bias', [2], 'float32')] * 2, seed=0)
    with pytest.raises(ValueError, match='seed'):
        seeded_state_dict(SPECS, seed=-1)


def test_resnet50_on_seeded_weights_is_not_degenerate():
    """An mmdet ResNet-50 DC5 (eval mode, BN from the running stats) on
    seeded weights keeps its activations O(1) and varied over space."""
    from mmdet.models.backbones import ResNet
    net = ResNet(depth=50, out_indices=(3, ), strides=(1, 2, 2, 1),
                 dilations=(1, 1, 1, 2), norm_eval=True)
    net.eval()  # mmdet's ResNet.train returns None
    net.load_state_dict(
        seeded_state_dict(state_dict_specs(net.state_dict()), seed=0))
    img = torch.randn(1, 3, 96, 128,
                      generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        (out, ) = net(img)
    assert out.shape == (1, 2048, 6, 8)
    assert torch.isfinite(out).all()
    assert 0.05 < out.std().item() < 20
    # not constant over positions or channels, and ReLU leaves some zeros
    assert out.std(dim=(2, 3)).mean().item() > 0.01
    assert 0.05 < (out > 0).float().mean().item() < 0.95


def test_values_replace_seeded_tensors_with_shape_checked():
    specs = [('head.fc_cls.weight', [3, 4], 'float32'),
             ('head.fc_cls.bias', [3], 'float32')]
    plain = seeded_state_dict(specs, seed=0)
    given = seeded_state_dict(specs, seed=0,
                              values={'head.fc_cls.bias': [1.0, -2.0, 0.5]})
    assert given['head.fc_cls.bias'].tolist() == [1.0, -2.0, 0.5]
    assert given['head.fc_cls.bias'].dtype == torch.float32
    assert torch.equal(given['head.fc_cls.weight'],
                       plain['head.fc_cls.weight'])
    with pytest.raises(ValueError, match=r'head.fc_cls.bias: value of shape '
                       r'\(2,\), the key list says \(3,\)'):
        seeded_state_dict(specs, seed=0, values={'head.fc_cls.bias': [1, 2]})
    with pytest.raises(ValueError, match='head.nope: given in values'):
        seeded_state_dict(specs, seed=0, values={'head.nope': [1.0]})
