"""Running a ResNet as frozen trunk + the rest equals running it whole."""
import pytest
import torch
from mmdet.models.backbones import ResNet

from mmhvr.models.utils.backbone_split import (frozen_stage_count,
                                               resnet_head, resnet_trunk)


def tiny_resnet(**kw):
    cfg = dict(depth=18, base_channels=4, frozen_stages=3, out_indices=(3, ),
               strides=(1, 2, 2, 1), dilations=(1, 1, 1, 2))
    cfg.update(kw)
    torch.manual_seed(0)
    net = ResNet(**cfg)
    net.init_weights()
    net.eval()
    return net


@pytest.mark.parametrize('kw,expected', [
    (dict(), 3),
    (dict(frozen_stages=1), 1),
    (dict(frozen_stages=0), 0),  # nothing frozen: no split
    (dict(frozen_stages=-1), 0),
    (dict(frozen_stages=4), 0),  # everything frozen: no trainable rest
    (dict(out_indices=(2, 3)), 0),  # an earlier stage is an output too
    (dict(out_indices=(2, ), num_stages=4), 0),
])
def test_frozen_stage_count(kw, expected):
    assert frozen_stage_count(tiny_resnet(**kw)) == expected


def test_not_a_resnet_has_no_frozen_trunk():
    assert frozen_stage_count(torch.nn.Conv2d(3, 3, 1)) == 0


@pytest.mark.parametrize('stages', [1, 2, 3])
@pytest.mark.parametrize('deep_stem', [False, True])
def test_trunk_then_head_is_the_whole_backbone(stages, deep_stem):
    net = tiny_resnet(frozen_stages=stages, deep_stem=deep_stem)
    x = torch.randn(2, 3, 32, 48)
    with torch.no_grad():
        whole = net(x)[-1]
        trunk = resnet_trunk(net, x, stages)
        split = resnet_head(net, trunk, stages)
    torch.testing.assert_close(split, whole)
    # the trunk really stops after `stages` stages: its width is theirs
    widths = [getattr(net, n)[-1].conv2.out_channels for n in net.res_layers]
    assert trunk.shape[1] == widths[stages - 1]
