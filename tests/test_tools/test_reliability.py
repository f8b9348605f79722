"""Bad input, crash-resume and distributed runs through the tools."""
import glob
import json
import os
import pickle
import shutil
import signal
import subprocess
import sys
import time

import pytest
import torch

from tests_helpers import REPO, TOY1, data_opts, free_port, run_tool


def copy_val(toy_data, tmp_path):
    root = tmp_path / 'toy'
    shutil.copytree(toy_data, root)
    return str(root)


def test_missing_frame_file_names_it(stage1_run, toy_data, tmp_path):
    root = copy_val(toy_data, tmp_path)
    victim = f'{root}/Data/val/video_0001/000002.JPEG'
    os.remove(victim)
    _, ckpt = stage1_run
    proc = run_tool(['tools/test.py', TOY1, str(ckpt), '--work-dir',
                     str(tmp_path / 'w'), '--cfg-options'] +
                    data_opts(root), check=False)
    assert proc.returncode != 0
    assert 'video_0001/000002.JPEG' in proc.stderr


def test_corrupt_jpeg_names_it(stage1_run, toy_data, tmp_path):
    root = copy_val(toy_data, tmp_path)
    victim = f'{root}/Data/val/video_0000/000001.JPEG'
    with open(victim, 'wb') as f:
        f.write(b'\xff\xd8 this is not a jpeg')
    _, ckpt = stage1_run
    proc = run_tool(['tools/test.py', TOY1, str(ckpt), '--work-dir',
                     str(tmp_path / 'w'), '--cfg-options'] +
                    data_opts(root), check=False)
    assert proc.returncode != 0
    assert 'video_0000/000001.JPEG' in proc.stderr


def test_checkpoint_of_another_config_lists_keys(stage1_run, tmp_path):
    _, ckpt = stage1_run
    state = torch.load(ckpt, map_location='cpu', weights_only=False)
    sd = state['state_dict']
    sd.pop('roi_head.bbox_head.fc1.weight')
    sd['neck.extra.weight'] = torch.zeros(1)
    sd['rpn_head.rpn_cls.weight'] = torch.zeros(3, 3, 1, 1)
    bad = tmp_path / 'other.pth'
    torch.save(state, bad)
    proc = run_tool(['tools/test.py', TOY1, str(bad)], check=False)
    assert proc.returncode != 0
    err = proc.stderr
    assert 'missing keys (1): roi_head.bbox_head.fc1.weight' in err
    assert 'unexpected keys (1): neck.extra.weight' in err
    assert 'shape mismatch (1): rpn_head.rpn_cls.weight' in err


def weights(path):
    return torch.load(path, map_location='cpu',
                      weights_only=False)['state_dict']


def test_sigkill_after_checkpoint_then_resume(toy_data, tmp_path):
    opts = ['--cfg-options', 'train_cfg.max_iters=4',
            'train_cfg.val_interval=100', 'default_hooks.checkpoint.interval=2',
            'randomness.seed=0'] + data_opts(toy_data)
    ref = tmp_path / 'ref'
    run_tool(['tools/train.py', TOY1, '--work-dir', str(ref)] + opts)

    work = tmp_path / 'killed'
    env = dict(os.environ, PYTHONPATH=REPO)
    proc = subprocess.Popen(
        [sys.executable, 'tools/train.py', TOY1, '--work-dir', str(work)] +
        opts, cwd=REPO, env=env, stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL)
    deadline = time.time() + 600
    last = work / 'last_checkpoint'
    while time.time() < deadline:
        if last.exists() and 'iter_2' in last.read_text():
            break
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert not (work / 'iter_4.pth').exists(), 'killed too late'

    run_tool(['tools/train.py', TOY1, '--work-dir', str(work), '--resume'] +
             opts)
    a, b = weights(ref / 'iter_4.pth'), weights(work / 'iter_4.pth')
    assert a.keys() == b.keys()
    for k in a:
        torch.testing.assert_close(a[k], b[k], atol=1e-6, rtol=0,
                                   msg=lambda m, k=k: f'{k}: {m}')


def metric_of(work_dir):
    files = sorted(glob.glob(f'{work_dir}/*/*.json'))
    return json.load(open(files[-1]))


def test_distributed_train_and_test_over_gloo(stage1_run, toy_data,
                                              tmp_path):
    def torchrun():
        return [sys.executable, '-m', 'torch.distributed.run',
                '--nproc_per_node=2', f'--master_port={free_port()}']

    run_tool(['tools/train.py', TOY1, '--launcher', 'pytorch', '--work-dir',
              str(tmp_path / 'train'), '--cfg-options',
              'train_cfg.max_iters=2', 'train_cfg.val_interval=100',
              'default_hooks.checkpoint.interval=2'] + data_opts(toy_data),
             runner=torchrun())
    assert (tmp_path / 'train' / 'iter_2.pth').exists()

    _, ckpt = stage1_run
    # torchrun gives each process one thread; the single-process run uses
    # one too, so that both compute bit-identical detections (with more
    # threads, float sums are ordered differently and near-tied scores of
    # a barely trained model may swap)
    for name, runner, extra in (('single', None, []),
                                ('dist', torchrun(),
                                 ['--launcher', 'pytorch'])):
        run_tool(['tools/test.py', TOY1, str(ckpt), *extra, '--work-dir',
                  str(tmp_path / name), '--out',
                  str(tmp_path / f'{name}.pkl'), '--cfg-options'] +
                 data_opts(toy_data), runner=runner,
                 env=dict(OMP_NUM_THREADS='1'))
    # the 2-rank run evaluates every frame once, with the detections the
    # single process makes (the mAP of a 2-iteration model is near 0 and
    # could agree by chance; the per-frame boxes cannot)
    single, dist = (pickle.load(open(tmp_path / f'{n}.pkl', 'rb'))
                    for n in ('single', 'dist'))
    assert len(single) == 15
    assert [d['img_id'] for d in dist] == [d['img_id'] for d in single]
    assert sum(len(d['pred_instances']['scores']) for d in single) > 0
    for a, b in zip(single, dist):
        for key in ('bboxes', 'scores', 'labels'):
            torch.testing.assert_close(
                torch.as_tensor(b['pred_instances'][key]),
                torch.as_tensor(a['pred_instances'][key]), atol=1e-5,
                rtol=1e-5)
    m_single, m_dist = metric_of(tmp_path / 'single'), metric_of(
        tmp_path / 'dist')
    assert m_single['vid/mAP'] == pytest.approx(m_dist['vid/mAP'], abs=1e-9)
