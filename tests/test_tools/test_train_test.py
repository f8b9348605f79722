"""tools/train.py and tools/test.py end to end on a tiny generated set."""
import glob
import json
import math
import pickle

import numpy as np
import pytest
import torch

from mmhvr.evaluation import eval_vid_map

from tests_helpers import TOY1, TOY2, data_opts
from tests_helpers import run_tool as run


@pytest.fixture
def stage1(stage1_run):
    return stage1_run


def test_train_validates_and_saves(stage1):
    """Two logged iterations with finite stage-1 losses, one validation
    with an mAP in [0, 1], and the checkpoint of iteration 2 holding the
    weights of the model that was trained (not the initial ones)."""
    work, ckpt = stage1
    scalars = glob.glob(str(work / '*' / 'vis_data' / 'scalars.json'))
    lines = [json.loads(ln) for ln in open(scalars[0])]
    train = [ln for ln in lines if 'loss' in ln]
    assert [ln['iter'] for ln in train] == [1, 2]
    for ln in train:
        for k in ('loss_cls_intra', 'loss_bbox_intra', 'loss_rpn_cls',
                  'loss'):
            assert math.isfinite(ln[k]) and ln[k] > 0, (k, ln)
        assert 'loss_relation' not in ln  # stage 1
    val = [ln for ln in lines if 'vid/mAP' in ln]
    assert len(val) == 1
    assert 0.0 <= val[0]['vid/mAP'] <= 1.0
    state = torch.load(ckpt, map_location='cpu', weights_only=False)
    assert state['meta']['iter'] == 2


def test_test_tool_eval_bbox_and_out(stage1, toy_data, tmp_path):
    _, ckpt = stage1
    out = tmp_path / 'dets.pkl'
    run(['tools/test.py', TOY1, str(ckpt), '--eval', 'bbox', '--out',
         str(out), '--work-dir', str(tmp_path), '--cfg-options'] +
        data_opts(toy_data))
    metrics = glob.glob(str(tmp_path / '*' / '*.json'))
    values = json.load(open(metrics[0]))
    assert {'vid/mAP', 'vid/mAP_fast'} <= set(values)
    dets = pickle.load(open(out, 'rb'))
    assert len(dets) == 15  # every val frame, once
    assert len({d['img_id'] for d in dets}) == 15
    # the logged mAP is eval_vid_map of the dumped detections against the
    # annotation file (ties --out, the metric and the dataset's labels)
    gts, num_classes = val_annotations(f'{toy_data}/annotations/'
                                       'toy_vid_val.json')
    preds = [{k: np.asarray(v) for k, v in d['pred_instances'].items()}
             for d in dets]
    expected = eval_vid_map(preds, [gts[d['img_id']] for d in dets],
                            num_classes=num_classes)['mAP']
    assert values['vid/mAP'] == pytest.approx(expected, abs=1e-6)


def val_annotations(ann_file):
    """img_id -> dict(bboxes (n, 4) xyxy, labels (n,)) of a CocoVID file,
    labels in the order of its categories."""
    coco = json.load(open(ann_file))
    label = {c['id']: i for i, c in enumerate(coco['categories'])}
    boxes = {img['id']: ([], []) for img in coco['images']}
    for a in coco['annotations']:
        x, y, w, h = a['bbox']
        boxes[a['image_id']][0].append([x, y, x + w, y + h])
        boxes[a['image_id']][1].append(label[a['category_id']])
    return {i: dict(bboxes=np.array(b, float).reshape(-1, 4),
                    labels=np.array(c, int))
            for i, (b, c) in boxes.items()}, len(label)


def test_stage2_trains_from_stage1(stage1, toy_data, tmp_path):
    """tools/train.py stage 2 with load_from=stage 1 and a learning rate of
    0: its first checkpoint holds stage 1's weights, with head B equal to
    stage 1's head A (FinalHeadFromIntraHook at iteration 0); the run
    logs the relation loss and no RPN loss (RPN frozen)."""
    _, ckpt = stage1
    run(['tools/train.py', TOY2, '--work-dir', str(tmp_path),
         '--cfg-options', 'train_cfg.max_iters=1', 'train_cfg.val_interval=5',
         'default_hooks.checkpoint.interval=1', 'optim_wrapper.optimizer.lr=0',
         f'load_from={ckpt}', 'default_hooks.logger.interval=1'] +
        data_opts(toy_data))
    log = open(glob.glob(str(tmp_path / '*' / '*.log'))[0]).read()
    assert 'loss_relation' in log and 'loss_rpn' not in log
    s1 = torch.load(ckpt, map_location='cpu',
                    weights_only=False)['state_dict']
    s2 = torch.load(tmp_path / 'iter_1.pth', map_location='cpu',
                    weights_only=False)['state_dict']
    head = 'roi_head.bbox_head.'
    head_b = {f'{head}fc_cls.weight': f'{head}fc_cls_intra.weight',
              f'{head}fc_cls.bias': f'{head}fc_cls_intra.bias',
              f'{head}fc_reg.weight': f'{head}fc_reg_intra.weight',
              f'{head}fc_reg.bias': f'{head}fc_reg_intra.bias'}
    assert not torch.equal(s1[f'{head}fc_cls.weight'],
                           s1[f'{head}fc_cls_intra.weight'])
    for k, v in s2.items():
        if 'running_' in k or 'num_batches_tracked' in k:
            continue  # BN statistics of conv5 move in train mode
        assert torch.equal(v, s1[head_b.get(k, k)]), k


def test_unknown_eval_is_refused(stage1):
    _, ckpt = stage1
    proc = run(['tools/test.py', TOY1, str(ckpt), '--eval', 'segm'],
               check=False)
    assert proc.returncode != 0
    assert 'valid values: bbox' in proc.stderr


def _train_losses(toy_data, work, *extra):
    run(['tools/train.py', TOY1, '--work-dir', str(work), *extra,
         '--cfg-options', 'train_cfg.max_iters=3', 'train_cfg.val_interval=9',
         'default_hooks.checkpoint.interval=9',
         'default_hooks.logger.interval=1'] + data_opts(toy_data))
    scalars = glob.glob(str(work / '*' / 'vis_data' / 'scalars.json'))
    lines = [json.loads(ln) for ln in open(scalars[0])]
    return [{k: v for k, v in ln.items() if k.startswith('loss')}
            for ln in lines if 'loss' in ln]


def test_same_seed_repeats_losses_exactly(toy_data, tmp_path):
    first = _train_losses(toy_data, tmp_path / 'a', '--seed', '3')
    again = _train_losses(toy_data, tmp_path / 'b', '--seed', '3')
    other = _train_losses(toy_data, tmp_path / 'c', '--seed', '4')
    assert len(first) == 3 and first[0]
    assert first == again
    assert first != other
