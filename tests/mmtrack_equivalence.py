"""Helpers of the MMTracking equivalence tests (issue 21): the seeded
MMTracking checkpoint converted by tools/model_converters/mmtrack2mmhvr.py,
the fixture's test-time overrides as mmhvr config options, and the
set-per-label comparison of tests/fixtures/mmtrack_ref/README.md."""
import importlib.util
import json
import os.path as osp
from typing import Dict, List

import torch

from mmhvr.testing.seeded_weights import seeded_state_dict

TESTS = osp.dirname(osp.abspath(__file__))
REPO = osp.dirname(TESTS)
FIX = osp.join(TESTS, 'fixtures', 'mmtrack_ref')
BOX_TOL, SCORE_TOL = 0.1, 1e-3


def load_tool(path: str):
    """A tool script as a module (its ``main(argv)``)."""
    name = osp.splitext(osp.basename(path))[0] + '_tool'
    spec = importlib.util.spec_from_file_location(name, osp.join(REPO, path))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def reference(method: str) -> dict:
    with open(osp.join(FIX, f'{method}.json')) as f:
        return json.load(f)


def mmtrack_state(method: str) -> Dict[str, torch.Tensor]:
    """The seeded MMTracking state dict the references were made with."""
    ref = reference(method)
    w = ref['weights']
    with open(osp.join(FIX, w['keys'])) as f:
        keys = json.load(f)['keys']
    return seeded_state_dict(keys, w['seed'], w['gain'], w['scales'],
                             w['values'])


def write_mmtrack_checkpoint(method: str, path: str,
                             state: Dict[str, torch.Tensor] = None) -> str:
    """An MMTracking-style checkpoint file (``state_dict`` and ``meta``
    with the class names)."""
    ref = reference(method)
    torch.save(
        dict(state_dict=mmtrack_state(method) if state is None else state,
             meta=dict(dataset_meta=dict(classes=ref['classes']))), path)
    return path


def converted_checkpoint(method: str, tmp_dir: str) -> str:
    """The seeded checkpoint converted by the converter tool."""
    src = write_mmtrack_checkpoint(method, osp.join(tmp_dir, 'mmtrack.pth'))
    out = osp.join(tmp_dir, f'{method}_mmhvr.pth')
    tool = load_tool('tools/model_converters/mmtrack2mmhvr.py')
    assert tool.main([src, out]) == 0
    return out


def checkpoint_fixture(method: str):
    """A module-scoped pytest fixture ``checkpoint``: ``method``'s seeded
    checkpoint converted once per test module (``checkpoint =
    checkpoint_fixture(METHOD)`` in the module)."""
    import pytest

    @pytest.fixture(scope='module', name='checkpoint')
    def _checkpoint(tmp_path_factory) -> str:
        return converted_checkpoint(method,
                                    str(tmp_path_factory.mktemp(method)))

    return _checkpoint


def run_inference_video(config: str, checkpoint: str, ref: dict,
                        **kwargs) -> list:
    """``inference_video`` (``kwargs``: its options) of ``config`` with
    ``checkpoint`` and the reference's overrides on the fixture frames:
    every frame's ``pred_instances``, in order."""
    from mmhvr.apis import inference_video, init_detector
    model = init_detector(config, checkpoint, cfg_options=cfg_options(ref))
    return [
        r.pred_instances
        for r in inference_video(model, osp.join(FIX, 'frames'), **kwargs)
    ]


def run_test_loop(config: str, checkpoint: str, ref: dict,
                  work_dir: str) -> list:
    """``tools/test.py --out`` of ``config`` with ``checkpoint`` on the
    fixture's CocoVID video (:func:`fixture_test_options`): the dumped
    ``pred_instances`` in frame order."""
    import pickle
    out = osp.join(work_dir, 'out.pkl')
    tool = load_tool('tools/test.py')
    assert tool.main([config, checkpoint, '--work-dir', work_dir, '--out',
                      out, '--quiet', '--cfg-options'] +
                     fixture_test_options(ref, work_dir)) == 0
    with open(out, 'rb') as f:
        dumped = sorted(pickle.load(f), key=lambda r: r['frame_id'])
    return [r['pred_instances'] for r in dumped]


def toy_losses(config: str):
    """One training step's losses of ``config`` (a toy config) on
    ``demo_video_group``'s two 3-frame videos (128x160), seeded, after
    ``init_weights``, backpropagated.

    Returns:
        tuple: the model, its loss dict and the summed loss (a scalar).
    """
    from mmengine.config import Config

    from mmhvr.registry import MODELS
    from mmhvr.testing import demo_video_group
    cfg = Config.fromfile(config)
    torch.manual_seed(0)
    model = MODELS.build(cfg.model)
    model.init_weights()
    model.train()
    data = demo_video_group([0, 1], num_frames=3, image_shape=(3, 128, 160))
    batch = model.data_preprocessor(data, True)
    losses = model.loss(batch['inputs'], batch['data_samples'])
    total = sum(
        sum(v) if isinstance(v, list) else v
        for k, v in losses.items() if 'loss' in k)
    total.backward()
    return model, losses, total


def num_refs(ref: dict) -> int:
    """References per key frame the reference run used (0: single frame)."""
    used = ref['overrides'].get('ref_img_sampler', {}).get('used')
    return int(used['num_ref_imgs']) if used else 0


def cfg_options(ref: dict) -> Dict[str, object]:
    """The fixture's test-time overrides as mmhvr config options."""
    scale = tuple(ref['overrides']['test_pipeline.Resize.scale']['used'])
    n = num_refs(ref)
    return {
        'model.test_cfg.num_ref_imgs': n,
        'test_dataloader.dataset.pipeline.0.num_support': n,
        'test_dataloader.dataset.pipeline.1.transforms.2.scale': scale,
    }


def match_detections(got_boxes, got_scores, got_labels,
                     frame: dict) -> List[str]:
    """Problems matching one frame's detections with the stored ones as
    sets (every stored detection to its own detection of the same label,
    box within 0.1 px, score within 1e-3); empty when they match."""
    boxes = torch.as_tensor(got_boxes, dtype=torch.float64).reshape(-1, 4)
    scores = torch.as_tensor(got_scores, dtype=torch.float64).reshape(-1)
    labels = torch.as_tensor(got_labels).reshape(-1)
    want_b = torch.tensor(frame['bboxes'], dtype=torch.float64).reshape(-1, 4)
    want_s = torch.tensor(frame['scores'], dtype=torch.float64)
    want_l = torch.tensor(frame['labels'])
    problems = []
    if len(boxes) != len(want_b):
        problems.append(f'frame {frame["frame_id"]}: {len(boxes)} '
                        f'detections, MMTracking {len(want_b)}')
    free = torch.ones(len(boxes), dtype=torch.bool)
    for i in range(len(want_b)):
        ok = free & (labels == want_l[i]) & (
            (boxes - want_b[i]).abs().amax(dim=1) <= BOX_TOL) & (
                (scores - want_s[i]).abs() <= SCORE_TOL)
        hits = ok.nonzero().flatten()
        if len(hits) == 0:
            problems.append(
                f'frame {frame["frame_id"]}: MMTracking detection {i} '
                f'(label {int(want_l[i])}, score {float(want_s[i]):.4f}, '
                f'box {want_b[i].tolist()}) unmatched')
        else:
            free[hits[0]] = False
    return problems


def check_video(results: list, ref: dict) -> None:
    """Assert a video's detections (``pred_instances`` per frame, in frame
    order: an ``InstanceData`` or the dict ``tools/test.py --out`` dumps)
    match the stored ones (:func:`match_detections`)."""
    assert len(results) == len(ref['frames'])
    problems = []
    for pred, frame in zip(results, ref['frames']):
        if not isinstance(pred, dict):
            pred = dict(bboxes=pred.bboxes, scores=pred.scores,
                        labels=pred.labels)
        problems += match_detections(pred['bboxes'], pred['scores'],
                                     pred['labels'], frame)
    assert not problems, '\n'.join(problems[:10])


def fixture_test_options(ref: dict, work_dir: str) -> List[str]:
    """``tools/test.py --cfg-options`` running the config on the fixture's
    CocoVID video with the reference's overrides."""
    opts = [f'{k}={v!r}'.replace(' ', '') if isinstance(v, tuple) else
            f'{k}={v}' for k, v in cfg_options(ref).items()]
    return opts + [
        f'test_dataloader.dataset.data_root={FIX}/',
        f'test_dataloader.dataset.ann_file={ref["ann_file"]}',
        'test_dataloader.dataset.data_prefix.img_path=',
        'test_dataloader.num_workers=0',
        'test_dataloader.persistent_workers=False',
    ]
