"""FGFA and DFF on mmhvr give MMTracking dev-1.x's own detections
(tests/fixtures/mmtrack_ref, issue 21): the seeded checkpoint converted to
mmhvr's keys, the 8 fixture frames, through ``inference_video`` (offline)
and through the mmengine test loop on the fixture's CocoVID video; boxes
within 0.1 px, scores within 1e-3, same labels, matched as sets per frame
(the fixture README: MMTracking itself swaps near-tied detections)."""
import copy
import json
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.config import Config
from mmengine.hooks import Hook

from mmhvr.testing.seeded_weights import seeded_state_dict

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
FIX = osp.join(ROOT, 'tests', 'fixtures', 'mmtrack_ref')
CONFIGS = {
    'fgfa': 'configs/fgfa/fgfa_faster-rcnn_r50-dc5_8xb1-7e_imagenetvid.py',
    'dff': 'configs/dff/dff_faster-rcnn_r50-dc5_8xb1-7e_imagenetvid.py',
}
BOX_TOL, SCORE_TOL = 0.1, 1e-3


def load_ref(method):
    with open(osp.join(FIX, f'{method}.json')) as f:
        return json.load(f)


def mmtrack_state(ref):
    """The seeded MMTracking checkpoint the reference was made with."""
    w = ref['weights']
    with open(osp.join(FIX, w['keys'])) as f:
        keys = json.load(f)['keys']
    return seeded_state_dict(keys, w['seed'], w['gain'], w['scales'],
                             w['values'])


def to_mmhvr_keys(state, method):
    """MMTracking's keys → mmhvr's by the converter's function (the method
    read from the keys, as ``mmtrack2mmhvr.py`` does); every key mapped."""
    from mmhvr.models.utils.mmtrack_keys import convert_state_dict
    converted, found, left = convert_state_dict(state)
    assert found == method and not left, (found, left)
    return converted


def fixture_cfg(method, ref):
    """The method's config with the reference's test-time overrides."""
    cfg = Config.fromfile(osp.join(ROOT, CONFIGS[method]))
    cfg.model.backbone.init_cfg = None
    cfg.model.motion.init_cfg = None
    used = ref['overrides']['test_pipeline.Resize.scale']['used']
    pipeline = cfg.test_dataloader.dataset.pipeline
    for t in pipeline[1].transforms:
        if t.type == 'Resize':
            t.scale = tuple(used)
    if method == 'fgfa':
        sampler = ref['overrides']['ref_img_sampler']['used']
        assert sampler['method'] == 'test_with_fix_stride' \
            and sampler['stride'] == 1
        lo, hi = sampler['frame_range']
        assert -lo == hi
        pipeline[0].frame_range = hi
        cfg.model.test_cfg.frame_range = hi
        cfg.model.test_cfg.cache_frames = 2 * hi + 1
    else:
        interval = ref['overrides']['test_cfg.key_frame_interval']['used']
        cfg.model.test_cfg.key_frame_interval = interval
    assert ref['model_test_cfg']['detector']['rcnn'] == \
        cfg.model.test_cfg.rcnn.to_dict()
    assert ref['model_test_cfg']['detector']['rpn'] == \
        cfg.model.test_cfg.rpn.to_dict()
    cfg.test_dataloader.dataset.pipeline = pipeline
    return cfg


@pytest.fixture(scope='module', params=['fgfa', 'dff'])
def method(request):
    return request.param


@pytest.fixture(scope='module')
def setup(method, tmp_path_factory):
    """(reference, config, converted checkpoint path)."""
    ref = load_ref(method)
    cfg = fixture_cfg(method, ref)
    state = to_mmhvr_keys(mmtrack_state(ref), method)
    path = tmp_path_factory.mktemp(method) / 'converted.pth'
    torch.save(dict(state_dict=state,
                    meta=dict(dataset_meta=dict(classes=ref['classes']))),
               str(path))
    return ref, cfg, str(path)


def match(ref_frame, bboxes, scores, labels, where):
    """Every stored detection matches one detection of the same label
    (boxes within BOX_TOL, scores within SCORE_TOL), one to one."""
    assert len(bboxes) == len(ref_frame['bboxes']), where
    free = np.ones(len(bboxes), bool)
    for box, score, label in zip(ref_frame['bboxes'], ref_frame['scores'],
                                 ref_frame['labels']):
        ok = free & (labels == label) & \
            (np.abs(bboxes - np.asarray(box)).max(1) <= BOX_TOL) & \
            (np.abs(scores - score) <= SCORE_TOL)
        assert ok.any(), f'{where}: no match for {label} {box} {score}'
        free[np.flatnonzero(ok)[0]] = False


def check_frames(ref, results, where):
    assert len(results) == len(ref['frames'])
    for frame, res in zip(ref['frames'], results):
        pred = res.pred_instances
        match(frame, pred.bboxes.numpy(), pred.scores.numpy(),
              pred.labels.numpy(), f'{where} frame {frame["frame_id"]}')


def test_inference_video_gives_mmtrack_detections(setup):
    from mmhvr.apis import inference_video, init_detector
    ref, cfg, ckpt = setup
    torch.manual_seed(0)
    model = init_detector(cfg, ckpt)
    frames = [cv2.imread(osp.join(FIX, f['file_name']))
              for f in ref['frames']]
    with torch.no_grad():
        results = list(inference_video(model, frames, mode='offline'))
    check_frames(ref, results, 'inference_video')


class Collect(Hook):
    """Keeps the test loop's outputs (the evaluator sees one item per
    video in this dataset's length, so the outputs are taken here)."""

    def __init__(self):
        self.outputs = []

    def after_test_iter(self, runner, batch_idx, data_batch=None,
                        outputs=None):
        self.outputs.extend(outputs)


def test_test_loop_gives_mmtrack_detections(setup, tmp_path):
    from mmengine.runner import Runner
    ref, cfg, ckpt = setup
    cfg = copy.deepcopy(cfg)
    ds = cfg.test_dataloader.dataset
    ds.data_root = FIX
    ds.ann_file = ref['ann_file']
    ds.data_prefix = dict(img_path='')
    cfg.test_dataloader.num_workers = 0
    cfg.test_dataloader.persistent_workers = False
    cfg.test_evaluator = dict(type='DumpResults',
                              out_file_path=str(tmp_path / 'dets.pkl'))
    cfg.work_dir = str(tmp_path)
    cfg.load_from = ckpt
    cfg.default_hooks.pop('visualization', None)
    runner = Runner.from_cfg(cfg)
    collect = Collect()
    runner.register_hook(collect)
    runner.test()
    results = sorted(collect.outputs, key=lambda r: r.metainfo['frame_id'])
    assert [r.metainfo['frame_id'] for r in results] == \
        [f['frame_id'] for f in ref['frames']]
    check_frames(ref, results, 'test loop')
