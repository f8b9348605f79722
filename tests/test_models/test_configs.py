"""The R101-DC5 ImageNet VID configs hold docs/design.md §1's numbers."""
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmhvr.registry import MODELS

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
STAGE1 = osp.join(REPO, 'configs/hvrnet/'
                  'hvrnet_faster-rcnn_r101-dc5_stage1_imagenetvid.py')
STAGE2 = osp.join(REPO, 'configs/hvrnet/'
                  'hvrnet_faster-rcnn_r101-dc5_stage2_imagenetvid.py')


@pytest.fixture(scope='module')
def cfgs():
    return Config.fromfile(STAGE1), Config.fromfile(STAGE2)


def test_detector_numbers(cfgs):
    for cfg in cfgs:
        m = cfg.model
        assert m.type == 'HVRDetector'
        b = m.backbone
        assert (b.depth, b.strides, b.dilations, b.out_indices) == \
            (101, (1, 2, 2, 1), (1, 1, 1, 2), (3, ))
        assert m.neck.type == 'ChannelMapper' and m.neck.kernel_size == 1
        assert m.neck.out_channels == 256 and m.neck.in_channels == [2048]
        a = m.rpn_head.anchor_generator
        assert (a.scales, a.ratios, a.strides) == \
            ([4, 8, 16, 32], [0.5, 1.0, 2.0], [16])
        for proposal in (m.train_cfg.rpn_proposal, m.test_cfg.rpn):
            assert proposal.max_per_img == 300
            assert proposal.nms_pre == 6000
            assert proposal.nms.iou_threshold == 0.7
        roi = m.roi_head.bbox_roi_extractor.roi_layer
        assert (roi.output_size, roi.sampling_ratio) == (7, 2)
        head = m.roi_head.bbox_head
        assert head.fc_out_channels == 1024 and head.num_classes == 30
        loss = m.roi_head.triplet_loss
        assert (loss.margin, loss.loss_weight) == (1.0, 10.0)
        rcnn = m.test_cfg.rcnn
        assert rcnn.score_thr == 0.001 and rcnn.nms.iou_threshold == 0.3
        assert rcnn.max_per_img == 300


def test_schedules_and_freezing(cfgs):
    s1, s2 = cfgs
    assert s1.model.stage == 1 and s2.model.stage == 2
    assert s1.optim_wrapper.optimizer.lr == 0.0005
    assert s1.train_cfg.max_iters == 165000
    # the paper's stage 1 labels the key frame only
    assert not s1.model.train_cfg.get('supervise_supports', False)
    assert s1.param_scheduler[-1].milestones == [110000]
    assert s1.param_scheduler[-1].gamma == 0.1
    assert s2.optim_wrapper.optimizer.lr == 0.0016
    assert s2.train_cfg.max_iters == 110000
    assert s2.param_scheduler[-1].milestones == [82000]
    assert s2.model.backbone.frozen_stages == 3
    assert s2.model.frozen_modules == ['rpn_head']
    assert 'stage1' in s2.load_from
    assert s1.model.backbone.init_cfg.checkpoint == 'torchvision://resnet101'
    assert s2.train_dataloader.batch_sampler.type == 'VideoTripletSampler'
    assert s2.train_dataloader.batch_sampler.num_same == 3
    assert s2.train_dataloader.batch_sampler.num_other_classes == 2


def test_r101_configs_build(cfgs):
    for cfg in cfgs:
        model = MODELS.build(cfg.model)  # weights are not loaded
        n = sum(p.numel() for p in model.parameters())
        assert n > 40e6
    frozen = [n for n, p in model.named_parameters() if not p.requires_grad]
    assert any(n.startswith('rpn_head') for n in frozen)
    assert any(n.startswith('backbone.layer3') for n in frozen)
    # conv5 and the 1x1 conv are trained (BN stays frozen, as in mmdet)
    assert 'backbone.layer4.0.conv1.weight' not in frozen
    assert not any(n.startswith(('neck', 'roi_head')) for n in frozen)


def test_pretrained_backbone_loads_from_local_checkpoint(tmp_path):
    cfg = Config.fromfile(STAGE1)
    backbone_cfg = cfg.model.backbone.copy()
    backbone_cfg.depth = 18
    backbone_cfg.init_cfg = None
    source = MODELS.build(backbone_cfg)
    for p in source.parameters():
        torch.nn.init.normal_(p)
    ckpt = tmp_path / 'resnet18.pth'
    torch.save(source.state_dict(), ckpt)
    backbone_cfg.init_cfg = dict(type='Pretrained', checkpoint=str(ckpt))
    target = MODELS.build(backbone_cfg)
    target.init_weights()
    torch.testing.assert_close(target.layer4[0].conv1.weight,
                               source.layer4[0].conv1.weight)
