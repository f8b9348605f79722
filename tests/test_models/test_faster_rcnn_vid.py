"""Single-frame Faster R-CNN on the core (issue 21): MMTracking's
single-frame detections from the converted seeded checkpoint, through
inference_video and tools/test.py; mmdet's Faster R-CNN checkpoints load by
name; the config refuses references."""
import copy
import os.path as osp

import pytest
import torch
from mmengine.config import Config

from mmtrack_equivalence import (REPO, check_video, checkpoint_fixture,
                                 reference, run_inference_video,
                                 run_test_loop)
from mmhvr.engine.checkpoint import build_model_state

CONFIG = osp.join(REPO, 'configs/faster_rcnn/'
                  'faster-rcnn_r50-dc5_8xb1-7e_imagenetvid.py')
METHOD = 'faster_rcnn'
checkpoint = checkpoint_fixture(METHOD)


def test_inference_video_gives_mmtracking_detections(checkpoint):
    ref = reference(METHOD)
    check_video(run_inference_video(CONFIG, checkpoint, ref), ref)


def test_test_loop_gives_mmtracking_detections(checkpoint, tmp_path):
    ref = reference(METHOD)
    check_video(run_test_loop(CONFIG, checkpoint, ref, str(tmp_path)), ref)


def test_mmdet_faster_rcnn_keys_load_by_name():
    """mmdet's FasterRCNN with the same parts has exactly the same
    state-dict keys and shapes (so its checkpoints load unchanged)."""
    cfg = Config.fromfile(CONFIG)
    ours = build_model_state(cfg.model)
    mmdet_cfg = copy.deepcopy(cfg.model)
    mmdet_cfg.type = 'mmdet.FasterRCNN'
    mmdet_cfg.data_preprocessor.type = 'mmdet.DetDataPreprocessor'
    mmdet_cfg.roi_head.type = 'mmdet.StandardRoIHead'
    mmdet_cfg.roi_head.bbox_head.type = 'mmdet.Shared2FCBBoxHead'
    del mmdet_cfg.roi_head.bbox_head.num_shared_fcs
    mmdet_cfg.test_cfg = dict(rpn=cfg.model.test_cfg.rpn,
                              rcnn=cfg.model.test_cfg.rcnn)
    theirs = build_model_state(mmdet_cfg)
    assert {k: tuple(v.shape) for k, v in ours.items()} == \
        {k: tuple(v.shape) for k, v in theirs.items()}


def test_single_frame_config_refuses_references():
    from mmhvr.registry import MODELS
    cfg = Config.fromfile(CONFIG)
    cfg.model.backbone.init_cfg = None
    cfg.model.test_cfg.num_ref_imgs = 2
    with pytest.raises(ValueError, match='single-frame'):
        MODELS.build(cfg.model)


def test_toy_training_uses_the_key_frame_only():
    """The single-frame toy model's loss is the key frame's: the pipeline's
    other frames change neither the losses nor the BN statistics (they
    would if they went through the backbone in training mode)."""
    from mmengine.config import Config

    from mmhvr.registry import MODELS
    from mmhvr.testing import demo_video_group
    cfg = Config.fromfile(
        osp.join(REPO, 'configs/faster_rcnn/faster-rcnn_r18-dc5_toyvid.py'))
    data = demo_video_group([0, 1], num_frames=3, image_shape=(3, 128, 160))

    def losses(inputs):
        torch.manual_seed(0)
        model = MODELS.build(cfg.model)
        model.init_weights()
        model.train()
        batch = model.data_preprocessor(data, True)
        batch['inputs'] = inputs(batch['inputs'])
        out = model.loss(batch['inputs'], batch['data_samples'])
        return {k: float(sum(v) if isinstance(v, list) else v)
                for k, v in out.items() if 'loss' in k}, \
            model.backbone.bn1.running_mean.clone()

    def noisy_supports(x):
        x = x.clone()
        x[:, 1:] = torch.randn(
            x[:, 1:].shape, generator=torch.Generator().manual_seed(1)) * 50
        return x

    plain, plain_bn = losses(lambda x: x)
    noisy, noisy_bn = losses(noisy_supports)
    assert plain.keys() == noisy.keys() and 'loss_cls' in plain
    for name in plain:
        assert abs(plain[name] - noisy[name]) < 1e-6, name
    assert torch.allclose(plain_bn, noisy_bn)
