"""tools/train.py and tools/test.py end to end on a tiny generated set."""
import glob
import json
import pickle

import pytest

from tests_helpers import TOY1, TOY2, data_opts
from tests_helpers import run_tool as run


@pytest.fixture
def stage1(stage1_run):
    return stage1_run


def test_train_validates_and_saves(stage1):
    work, _ = stage1
    scalars = glob.glob(str(work / '*' / 'vis_data' / 'scalars.json'))
    lines = [json.loads(ln) for ln in open(scalars[0])]
    assert any('vid/mAP' in ln for ln in lines)
    assert any('loss_cls_intra' in ln for ln in lines)


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
    assert {'pred_instances', 'img_id'} <= set(dets[0])


def test_stage2_trains_from_stage1(stage1, toy_data, tmp_path):
    _, ckpt = stage1
    run(['tools/train.py', TOY2, '--work-dir', str(tmp_path),
         '--cfg-options', 'train_cfg.max_iters=1', 'train_cfg.val_interval=5',
         f'load_from={ckpt}', 'default_hooks.logger.interval=1'] +
        data_opts(toy_data))
    log = open(glob.glob(str(tmp_path / '*' / '*.log'))[0]).read()
    assert 'loss_relation' in log and 'loss_rpn' not in log


def test_unknown_eval_is_refused(stage1):
    _, ckpt = stage1
    proc = run(['tools/test.py', TOY1, str(ckpt), '--eval', 'segm'],
               check=False)
    assert proc.returncode != 0
    assert 'valid values: bbox' in proc.stderr
