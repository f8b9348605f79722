"""build_runner_cfg / find_resumable_checkpoint: what --amp, --resume and
--launcher turn into (tools/train.py and tools/test.py share them)."""
import os

import pytest
import torch
from mmengine.config import Config

from mmhvr.apis.runner_utils import (build_runner_cfg,
                                     find_resumable_checkpoint)
from mmhvr.registry import OPTIM_WRAPPERS
from tests_helpers import TOY1


def toy_cfg():
    return Config.fromfile(TOY1)


@pytest.fixture
def cpu_only(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: False)


def test_amp_on_the_cpu_builds_a_bf16_autocast_wrapper(cpu_only):
    cfg = build_runner_cfg(toy_cfg(), TOY1, amp=True)
    assert cfg.optim_wrapper.type == 'CPUAmpOptimWrapper'
    model = torch.nn.Linear(4, 4)
    wrapper_cfg = dict(cfg.optim_wrapper)
    wrapper_cfg.pop('constructor', None)
    wrapper_cfg.pop('paramwise_cfg', None)
    wrapper_cfg['optimizer'] = torch.optim.SGD(model.parameters(), lr=0.1)
    wrapper = OPTIM_WRAPPERS.build(wrapper_cfg)
    with wrapper.optim_context(model):
        out = model(torch.randn(2, 4))
    assert out.dtype == torch.bfloat16
    # without --amp the plain wrapper stays and nothing is autocast
    plain = build_runner_cfg(toy_cfg(), TOY1, amp=False)
    assert plain.optim_wrapper.type == toy_cfg().optim_wrapper.get(
        'type', 'OptimWrapper')
    assert plain.optim_wrapper.type != 'CPUAmpOptimWrapper'


def test_amp_with_cuda_uses_mmengines_fp16_wrapper(monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    cfg = build_runner_cfg(toy_cfg(), TOY1, amp=True)
    assert cfg.optim_wrapper.type == 'AmpOptimWrapper'
    assert cfg.optim_wrapper.loss_scale == 'dynamic'


def test_work_dir_defaults_to_the_config_name():
    cfg = toy_cfg()
    cfg.work_dir = None
    out = build_runner_cfg(cfg, TOY1)
    assert out.work_dir == os.path.join(
        './work_dirs', os.path.splitext(os.path.basename(TOY1))[0])
    assert build_runner_cfg(toy_cfg(), TOY1, work_dir='w').work_dir == 'w'


def test_resume_from_a_given_checkpoint(tmp_path):
    cfg = build_runner_cfg(toy_cfg(), TOY1, work_dir=str(tmp_path),
                           resume='/ckpts/iter_7.pth')
    assert cfg.resume is True
    assert cfg.load_from == '/ckpts/iter_7.pth'
    fresh = build_runner_cfg(toy_cfg(), TOY1, work_dir=str(tmp_path))
    assert not fresh.get('resume', False)


def test_resume_auto_takes_the_work_dirs_checkpoint(tmp_path):
    (tmp_path / 'iter_4.pth').write_bytes(b'x')
    cfg = build_runner_cfg(toy_cfg(), TOY1, work_dir=str(tmp_path),
                           resume='auto')
    assert cfg.resume is True
    assert cfg.load_from == str(tmp_path / 'iter_4.pth')


@pytest.mark.parametrize('launcher', ['pytorch', 'slurm', 'mpi'])
def test_distributed_launchers_wrap_the_model_and_use_gloo_on_the_cpu(
        launcher, cpu_only):
    cfg = toy_cfg()
    cfg.launcher = launcher
    cfg = build_runner_cfg(cfg, TOY1)
    assert cfg.model_wrapper_cfg.type == 'DeviceAwareDistributedDataParallel'
    assert cfg.model_wrapper_cfg.broadcast_buffers is False
    assert cfg.env_cfg.dist_cfg.backend == 'gloo'


def test_no_launcher_leaves_the_model_unwrapped_and_the_backend_alone(
        cpu_only):
    cfg = toy_cfg()
    cfg.launcher = 'none'
    backend = cfg.get('env_cfg', {}).get('dist_cfg', {}).get('backend')
    cfg = build_runner_cfg(cfg, TOY1)
    assert cfg.get('model_wrapper_cfg') is None
    assert cfg.get('env_cfg', {}).get('dist_cfg', {}).get('backend') == \
        backend


def test_launcher_keeps_a_configs_own_wrapper_and_nccl_with_cuda(
        monkeypatch):
    monkeypatch.setattr(torch.cuda, 'is_available', lambda: True)
    cfg = Config(dict(launcher='slurm', env_cfg=dict(dist_cfg=dict(
        backend='nccl')), model_wrapper_cfg=dict(
            type='MMDistributedDataParallel')))
    cfg = build_runner_cfg(cfg, TOY1, work_dir='w')
    assert cfg.model_wrapper_cfg.type == 'MMDistributedDataParallel'
    assert cfg.env_cfg.dist_cfg.backend == 'nccl'


# -- find_resumable_checkpoint: the --resume fallback ----------------------
def make_work_dir(tmp_path, iters=(2, 10, 4)):
    for i in iters:
        (tmp_path / f'iter_{i}.pth').write_bytes(b'ckpt')
    (tmp_path / 'best_vid_mAP_iter_3.pth').write_bytes(b'ckpt')
    (tmp_path / 'iter_x.pth').write_bytes(b'ckpt')
    return tmp_path


def test_resume_follows_an_intact_last_checkpoint(tmp_path):
    work = make_work_dir(tmp_path)
    (work / 'last_checkpoint').write_text(str(work / 'iter_4.pth'))
    assert find_resumable_checkpoint(str(work)) == str(work / 'iter_4.pth')
    # trailing newline / spaces as an editor or echo leaves them
    (work / 'last_checkpoint').write_text(f'  {work}/iter_2.pth\n')
    assert find_resumable_checkpoint(str(work)) == str(work / 'iter_2.pth')


@pytest.mark.parametrize('content', ['', '\n', 'iter_', '/nowhere/iter_9.pth',
                                     '{work}/iter_1'])
def test_resume_falls_back_to_the_newest_iteration(tmp_path, content):
    """A truncated ``last_checkpoint`` or one naming a missing file: the
    newest ``iter_N.pth`` by N (10 > 4 > 2, not by name), never a best_
    or other checkpoint."""
    work = make_work_dir(tmp_path)
    (work / 'last_checkpoint').write_text(content.format(work=work))
    assert find_resumable_checkpoint(str(work)) == str(work / 'iter_10.pth')


def test_resume_without_last_checkpoint_or_checkpoints(tmp_path):
    work = make_work_dir(tmp_path, iters=(3, 12))
    assert find_resumable_checkpoint(str(work)) == str(work / 'iter_12.pth')
    empty = tmp_path / 'empty'
    empty.mkdir()
    assert find_resumable_checkpoint(str(empty)) is None
    (empty / 'last_checkpoint').write_text('/nowhere/iter_1.pth')
    assert find_resumable_checkpoint(str(empty)) is None


def test_resume_of_an_epoch_based_run(tmp_path):
    for name in ('epoch_1.pth', 'epoch_12.pth', 'epoch_3.pth'):
        (tmp_path / name).write_bytes(b'ckpt')
    assert find_resumable_checkpoint(str(tmp_path)) == \
        str(tmp_path / 'epoch_12.pth')
