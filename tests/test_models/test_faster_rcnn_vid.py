"""Single-frame Faster R-CNN on the core (issue 21): MMTracking's
single-frame detections from the converted seeded checkpoint, through
inference_video and tools/test.py; mmdet's Faster R-CNN checkpoints load by
name; the config refuses references."""
import copy
import os.path as osp

import pytest
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
