"""Command-line plumbing of tools/train.py and tools/test.py."""
import pytest
from mmengine.config import Config

from mmhvr.apis.runner_utils import set_test_evaluator
from tests_helpers import TOY1


def test_eval_bbox_uses_the_vid_metric_of_a_video_config():
    cfg = Config.fromfile(TOY1)
    set_test_evaluator(cfg, ['bbox'], out='dets.pkl')
    assert cfg.test_evaluator.type == 'VIDMetric'
    assert cfg.test_evaluator.out_file_path == 'dets.pkl'
    bare = Config(dict(test_evaluator=None))
    set_test_evaluator(bare, ['bbox'])
    assert bare.test_evaluator == dict(type='VIDMetric', metric='bbox')


def test_eval_bbox_keeps_a_still_image_configs_metric():
    cfg = Config(dict(test_evaluator=dict(
        type='CocoMetric', ann_file='a.json', metric=['bbox', 'segm'])))
    set_test_evaluator(cfg, ['bbox'], out='r.pkl')
    coco, dump = cfg.test_evaluator
    assert coco['type'] == 'CocoMetric' and coco['metric'] == 'bbox'
    assert coco['ann_file'] == 'a.json'
    assert dump == dict(type='DumpDetResults', out_file_path='r.pkl')
    plain = Config(dict(test_evaluator=dict(type='CocoMetric', metric='bbox')))
    set_test_evaluator(plain, ['bbox'])
    assert plain.test_evaluator == [dict(type='CocoMetric', metric='bbox')]


def test_bad_eval_and_out_are_refused():
    cfg = Config.fromfile(TOY1)
    with pytest.raises(ValueError, match='valid values: bbox'):
        set_test_evaluator(cfg, ['segm'])
    with pytest.raises(ValueError, match='must be a .pkl file'):
        set_test_evaluator(cfg, ['bbox'], out='dets.json')


def test_close_distributed_destroys_the_process_group(tmp_path):
    """tools/train.py and tools/test.py end with close_distributed(): the
    process group is destroyed (left to the interpreter's teardown, gloo
    aborted a rank now and then after a successful 2-rank run)."""
    import subprocess
    import sys
    code = (
        'import torch.distributed as dist\n'
        'from mmhvr.apis.runner_utils import close_distributed\n'
        'close_distributed()  # no group: nothing to do\n'
        f"dist.init_process_group('gloo', init_method='file://"
        f"{tmp_path}/store', rank=0, world_size=1)\n"
        'assert dist.is_initialized()\n'
        'close_distributed()\n'
        "print('initialized after:', dist.is_initialized())\n")
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert 'initialized after: False' in proc.stdout
