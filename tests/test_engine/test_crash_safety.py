"""Crash safety: non-finite losses, atomic saves, AMP on the CPU."""
import os

import pytest
import torch

from mmhvr.engine import AtomicLocalBackend
from mmhvr.registry import OPTIM_WRAPPERS
from tests_helpers import TOY2


def test_non_finite_loss_names_the_term():
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..',
                                    'test_models'))
    from test_hvr_detector import build
    _, model = build(TOY2)
    losses = dict(loss_cls=torch.tensor(0.5),
                  loss_relation=torch.tensor(float('nan')))
    with pytest.raises(FloatingPointError, match='non-finite loss_relation'):
        model.parse_losses(losses)
    loss, _ = model.parse_losses(dict(loss_cls=torch.tensor(0.5)))
    assert loss.item() == 0.5


def test_atomic_put_keeps_the_old_file(tmp_path, monkeypatch):
    target = tmp_path / 'latest.pth'
    backend = AtomicLocalBackend()
    backend.put(b'old', target)

    def crash(fd):
        raise KeyboardInterrupt  # killed in the middle of a save

    monkeypatch.setattr(os, 'fsync', crash)
    with pytest.raises(KeyboardInterrupt):
        backend.put(b'new-and-longer', target)
    assert target.read_bytes() == b'old'
    assert [p.name for p in tmp_path.iterdir()] == ['latest.pth']


def test_checkpoint_hook_saves_through_the_atomic_backend(tmp_path):
    # mmhvr's own hook asks for the atomic backend; mmengine's global
    # 'local' backend stays LocalBackend (tests/test_engine/
    # test_atomic_checkpoint.py)
    from mmengine.fileio import get_file_backend

    from mmhvr.engine import AtomicCheckpointHook
    hook = AtomicCheckpointHook(interval=1)
    assert isinstance(
        get_file_backend(str(tmp_path / 'x.pth'),
                         backend_args=hook.backend_args), AtomicLocalBackend)


def test_amp_stage2_step_on_cpu():
    import sys
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..',
                                    'test_models'))
    from test_hvr_detector import build, run_loss
    _, model = build(TOY2)
    model.train()
    params = [p for p in model.parameters() if p.requires_grad]
    wrapper = OPTIM_WRAPPERS.build(
        dict(type='CPUAmpOptimWrapper',
             optimizer=torch.optim.SGD(params, lr=1e-3)))
    # record the dtype each kind of layer computes in during the step
    dtypes = {}

    def record(name):
        def hook(module, args, output):
            dtypes.setdefault(name, set()).add(output.dtype)
        return hook

    head = model.roi_head.bbox_head
    watched = dict(conv=model.backbone.conv1, fc=head.fc1,
                   cls=head.fc_cls, relation_query=head.inter_relation.query)
    handles = [m.register_forward_hook(record(n))
               for n, m in watched.items()]
    with wrapper.optim_context(model):
        losses = run_loss(model, [0, 0, 0, 1, 1, 1, 2, 2, 2])
        loss, log_vars = model.parse_losses(losses)
    for h in handles:
        h.remove()
    # bf16 autocast was on for the convolutions and linear layers
    assert dtypes == {n: {torch.bfloat16} for n in watched}, dtypes
    # the weights stay fp32 (no loss scaling needed with bf16)
    assert head.fc_cls.weight.dtype == torch.float32
    assert torch.isfinite(loss)
    assert all(torch.isfinite(torch.tensor(v)) for v in log_vars.values())
    assert 'loss_relation' in log_vars
    before = model.roi_head.bbox_head.fc_cls.weight.detach().clone()
    wrapper.update_params(loss)
    assert not torch.equal(before, model.roi_head.bbox_head.fc_cls.weight)
