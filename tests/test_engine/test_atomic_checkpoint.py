"""Crash-safe saving without global side effects: atomic checkpoint and
last_checkpoint writes by mmhvr's own hook, files with the user's umask,
mmengine's file backends and torch's weights-only allow-list untouched by
importing mmhvr (issue 19), mmhvr's own loads still weights-only."""
import os
import stat
from types import SimpleNamespace

import pytest
import torch
from mmengine.fileio import LocalBackend, get_file_backend
from mmengine.fileio.backends.registry_utils import (backends,
                                                     prefix_to_backends)
from mmengine.logging import MessageHub

from mmhvr.engine import AtomicCheckpointHook, AtomicLocalBackend, atomic_write


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_importing_mmhvr_leaves_mmengine_backends_unchanged(tmp_path):
    import subprocess
    import sys
    code = (
        'from mmengine.fileio.backends.registry_utils import backends, '
        'prefix_to_backends\n'
        'before = (dict(backends), dict(prefix_to_backends))\n'
        'import mmhvr; mmhvr.register_all_modules()\n'
        'import mmhvr.engine\n'
        'after = (dict(backends), dict(prefix_to_backends))\n'
        'assert after[1] == before[1], (before[1], after[1])\n'
        'changed = {k for k in before[0] if after[0][k] is not before[0][k]}\n'
        'assert not changed, changed\n'
        "print(sorted(set(after[0]) - set(before[0])))\n")
    proc = subprocess.run([sys.executable, '-c', code], capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    # only a new name is added, nothing replaced
    assert proc.stdout.strip() == "['atomic_local']"
    # and in this process (mmhvr imported by conftest)
    assert type(get_file_backend(str(tmp_path / 'x.pth'))) is LocalBackend
    assert prefix_to_backends[''] is LocalBackend
    assert backends['local'] is LocalBackend
    assert backends['atomic_local'] is AtomicLocalBackend


IMPORT_EVERYTHING = """
import importlib, pickle, pkgutil, sys
import torch
# what mmhvr's dependencies register themselves (torch.distributed.tensor
# adds its own safe globals when mmengine imports it): the baseline
import mmengine.runner, mmdet.models, mmdet.apis, mmcv.ops  # noqa
from mmengine.fileio.backends.registry_utils import backends, \\
    prefix_to_backends
before = (set(torch.serialization.get_safe_globals()), dict(backends),
          dict(prefix_to_backends))
import mmhvr
names = [m.name for m in pkgutil.walk_packages(mmhvr.__path__, 'mmhvr.')]
for name in names:
    importlib.import_module(name)
mmhvr.register_all_modules()
after_import = set(torch.serialization.get_safe_globals())
assert after_import == before[0], set(map(str, after_import)) ^ set(
    map(str, before[0]))
assert dict(prefix_to_backends) == before[2]
assert not {k for k in before[1] if backends[k] is not before[1][k]}
from mmhvr.engine import (read_checkpoint, scope_runner_checkpoint_loads,
                          checkpoint_safe_globals)
from mmhvr.engine.checkpoint import mmengine_safe_globals
assert not set(map(str, mmengine_safe_globals())) & set(map(str,
                                                            after_import))
ckpt = sys.argv[1]
# plain torch (weights_only=True by default) refuses mmengine's message hub
try:
    torch.load(ckpt)
except pickle.UnpicklingError:
    pass
else:
    raise AssertionError('torch.load accepted the message hub')
# mmhvr's own loads read it weights-only
assert 'message_hub' in read_checkpoint(ckpt)


class Runner:  # what mmengine's Runner.resume does: a plain torch.load
    def resume(self, path):
        return torch.load(path)

    def load_checkpoint(self, path):
        return torch.load(path)


runner = scope_runner_checkpoint_loads(Runner())
assert 'message_hub' in runner.resume(ckpt)
assert 'optimizer' in runner.load_checkpoint(ckpt)
# nested, and after every load: the allow-list is what it was
with checkpoint_safe_globals():
    with checkpoint_safe_globals():
        pass
    assert len(torch.serialization.get_safe_globals()) > len(before[0])
assert set(torch.serialization.get_safe_globals()) == before[0]
print(len(names))
"""


def test_importing_every_mmhvr_module_leaves_torch_and_mmengine_alone(
        stage1_run):
    """Importing all of mmhvr leaves torch's weights-only allow-list and
    mmengine's file backends as its dependencies left them, and mmhvr's
    own checkpoint loads (read_checkpoint, the runner's resume and
    load_checkpoint) still read a training checkpoint weights-only."""
    import subprocess
    import sys
    _, ckpt = stage1_run
    proc = subprocess.run([sys.executable, '-c', IMPORT_EVERYTHING,
                           str(ckpt)], capture_output=True, text=True,
                          timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert int(proc.stdout.split()[-1]) > 20  # every module was imported


@pytest.mark.parametrize('umask', [0o022, 0o077, 0o002])
def test_atomic_files_follow_the_umask(tmp_path, umask):
    old = os.umask(umask)
    try:
        atomic_write(b'x', tmp_path / 'atomic.pth')
        AtomicLocalBackend().put(b'x', tmp_path / 'backend.pth')
        with open(tmp_path / 'plain.pth', 'wb') as f:  # what mmengine does
            f.write(b'x')
    finally:
        os.umask(old)
    assert mode(tmp_path / 'atomic.pth') == mode(tmp_path / 'plain.pth') \
        == 0o666 & ~umask
    assert mode(tmp_path / 'backend.pth') == 0o666 & ~umask


def fake_runner(tmp_path):
    """What CheckpointHook uses of a runner."""
    from mmengine.runner.checkpoint import save_checkpoint
    saved = []

    def save(out_dir, filename, file_client_args=None, meta=None,
             backend_args=None, **kwargs):
        path = os.path.join(out_dir, filename)
        save_checkpoint(dict(meta=meta or {}, state_dict=dict(
            w=torch.ones(2))), path, backend_args=backend_args)
        saved.append(path)

    return SimpleNamespace(
        work_dir=str(tmp_path), save_checkpoint=save, saved=saved,
        message_hub=MessageHub.get_instance('atomic_ckpt_test'))


def test_hook_writes_checkpoints_through_the_atomic_backend(tmp_path):
    hook = AtomicCheckpointHook(interval=1, by_epoch=False)
    runner = fake_runner(tmp_path)
    hook.out_dir = runner.work_dir
    hook.file_backend = get_file_backend(hook.out_dir,
                                         backend_args=hook.backend_args)
    assert isinstance(hook.file_backend, AtomicLocalBackend)
    hook._save_checkpoint_with_step(runner, 1, {})
    assert (tmp_path / 'last_checkpoint').read_text() == str(
        tmp_path / 'iter_1.pth')
    assert torch.load(tmp_path / 'iter_1.pth')['state_dict']['w'].sum() == 2
    assert mode(tmp_path / 'iter_1.pth') == mode(tmp_path / 'last_checkpoint')
    # a remote out_dir keeps mmengine's own backend choice
    assert AtomicCheckpointHook(out_dir='s3://bucket/x').backend_args is None


def test_last_checkpoint_is_written_atomically(tmp_path, monkeypatch):
    """A run killed while writing last_checkpoint leaves the old one whole
    (mmengine writes it with a plain open(), which truncates first)."""
    hook = AtomicCheckpointHook(interval=1, by_epoch=False)
    runner = fake_runner(tmp_path)
    hook.out_dir = runner.work_dir
    hook.file_backend = get_file_backend(hook.out_dir,
                                         backend_args=hook.backend_args)
    hook._save_checkpoint_with_step(runner, 1, {})
    last = tmp_path / 'last_checkpoint'
    old = last.read_text()

    real_fsync = os.fsync

    def killed(fd):
        # the checkpoint file itself is saved; the kill comes while
        # last_checkpoint is being written
        if os.readlink(f'/proc/self/fd/{fd}').split('/')[-1].startswith(
                '.last_checkpoint'):
            raise KeyboardInterrupt
        return real_fsync(fd)

    monkeypatch.setattr(os, 'fsync', killed)
    with pytest.raises(KeyboardInterrupt):
        hook._save_checkpoint_with_step(runner, 2, {})
    assert (tmp_path / 'iter_2.pth').exists()
    assert last.read_text() == old
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        'iter_1.pth', 'iter_2.pth', 'last_checkpoint']


def test_trained_checkpoint_modes_follow_the_umask(stage1_run):
    """tools/train.py's files (conftest trains in a subprocess, which
    inherits this process's umask): the checkpoint and last_checkpoint get
    0o666 minus the umask, as mmengine's own logs and configs do."""
    work, ckpt = stage1_run
    umask = os.umask(0o022)
    os.umask(umask)
    assert mode(ckpt) == 0o666 & ~umask
    assert mode(work / 'last_checkpoint') == 0o666 & ~umask
    assert (work / 'last_checkpoint').read_text().strip().endswith(
        'iter_2.pth')
