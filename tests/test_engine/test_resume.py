"""Resuming on torch >= 2.6 (weights_only=True by default) works, and a
resumed run ends exactly where an uninterrupted one does."""
import copy
import pickle
import random

import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.model import BaseModel
from mmengine.runner import Runner
from torch.utils.data import Dataset

from mmhvr.engine import checkpoint_safe_globals, scope_runner_checkpoint_loads


class TinyModel(BaseModel):

    def __init__(self):
        super().__init__()
        self.linear = nn.Linear(4, 2)

    def forward(self, inputs, targets, mode='tensor'):
        out = self.linear(inputs)
        if mode == 'loss':
            # a random draw in every step (as RoI sampling or dropout
            # make): only a restored torch RNG reproduces it
            noise = 0.5 * torch.randn_like(out)
            return dict(loss=((out + noise - targets)**2).mean())
        return out


class TinyData(Dataset):

    def __init__(self):
        g = torch.Generator().manual_seed(0)
        self.x = torch.randn(16, 4, generator=g)
        self.y = torch.randn(16, 2, generator=g)

    def __len__(self):
        return 16

    def __getitem__(self, i):
        # augmentation-style draws from the python and numpy RNGs
        jitter = random.uniform(-0.3, 0.3) + float(np.random.normal(0, 0.3))
        return dict(inputs=self.x[i] + jitter, targets=self.y[i])


def make_runner(work_dir, max_iters, resume=False, rng_hook=True):
    torch.manual_seed(0)  # same initial weights in every run
    # as tools/train.py's build_runner: mmengine's checkpoint types are
    # allowed for the runner's own loads only
    return scope_runner_checkpoint_loads(Runner(
        model=TinyModel(),
        work_dir=str(work_dir),
        train_dataloader=dict(
            dataset=TinyData(),
            sampler=dict(type='DefaultSampler', shuffle=True, seed=0),
            batch_size=4,
            collate_fn=dict(type='default_collate'),
            num_workers=0),
        optim_wrapper=dict(
            optimizer=dict(type='SGD', lr=0.1, momentum=0.9)),
        param_scheduler=dict(
            type='MultiStepLR', by_epoch=False, milestones=[1, 3], end=4,
            gamma=0.5),
        train_cfg=dict(by_epoch=False, max_iters=max_iters),
        default_hooks=dict(
            checkpoint=dict(type='CheckpointHook', by_epoch=False,
                            interval=2),
            logger=dict(type='LoggerHook', interval=1)),
        custom_hooks=[dict(type='RNGStateHook')] if rng_hook else [],
        randomness=dict(seed=0),
        resume=resume,
        default_scope='mmhvr',
        experiment_name=f'resume_{work_dir.name}_{max_iters}_{resume}_'
        f'{rng_hook}'))


def test_torch_load_defaults_to_weights_only(tmp_path):
    """The trap the allow-list is for: a plain ``torch.load`` (no
    ``weights_only`` argument, as mmengine 0.10.7 calls it) refuses a
    pickled global that is not allow-listed; when torch stops doing that,
    the allow-list can go."""
    path = tmp_path / 'global.pth'
    torch.save({'fn': copy.deepcopy}, path)
    with pytest.raises(pickle.UnpicklingError, match='weights_only'):
        torch.load(path)


def test_resume_matches_uninterrupted_run(tmp_path):
    """Weights, optimizer, scheduler and the RNG states (RNGStateHook):
    the data augmentation and the model draw random numbers every step,
    so the resumed run matches only if they are restored after
    mmengine's fast-forward."""
    run_a = make_runner(tmp_path / 'a', 4)
    run_a.train()

    run_b = make_runner(tmp_path / 'b', 2)
    run_b.train()
    ckpt = tmp_path / 'b' / 'iter_2.pth'
    assert ckpt.exists()
    # the checkpoint holds mmengine's message hub, which weights_only=True
    # refuses unless mmhvr allow-listed its types: for its own loads only
    with pytest.raises(pickle.UnpicklingError, match='weights_only'):
        torch.load(ckpt, map_location='cpu', weights_only=True)
    with checkpoint_safe_globals():
        state = torch.load(ckpt, map_location='cpu', weights_only=True)
    assert 'message_hub' in state

    run_b2 = make_runner(tmp_path / 'b', 4, resume=True)
    run_b2.train()

    assert run_a.iter == run_b2.iter == 4
    lr_a = run_a.optim_wrapper.get_lr()['lr']
    lr_b = run_b2.optim_wrapper.get_lr()['lr']
    assert lr_a == pytest.approx(lr_b)
    for (na, pa), (nb, pb) in zip(run_a.model.named_parameters(),
                                  run_b2.model.named_parameters()):
        torch.testing.assert_close(pa, pb, atol=1e-6, rtol=0)
    sa = run_a.optim_wrapper.optimizer.state_dict()['state']
    sb = run_b2.optim_wrapper.optimizer.state_dict()['state']
    assert sa.keys() == sb.keys() and len(sa) > 0
    for k in sa:
        torch.testing.assert_close(sa[k]['momentum_buffer'],
                                   sb[k]['momentum_buffer'], atol=1e-6,
                                   rtol=0)


def final_weights(runner):
    return [p.detach().clone() for p in runner.model.parameters()]


def test_resume_without_the_rng_hook_diverges(tmp_path):
    """The control of the test above: the runs draw enough randomness that
    a resume which does not restore the RNG states (mmengine alone: the
    fast-forward re-draws the skipped batches' augmentations) ends
    elsewhere, so the test above fails when RNGStateHook breaks."""
    run_a = make_runner(tmp_path / 'a', 4, rng_hook=False)
    run_a.train()
    make_runner(tmp_path / 'b', 2, rng_hook=False).train()
    run_b2 = make_runner(tmp_path / 'b', 4, resume=True, rng_hook=False)
    run_b2.train()
    assert run_b2.iter == 4
    diffs = [(a - b).abs().max().item()
             for a, b in zip(final_weights(run_a), final_weights(run_b2))]
    assert max(diffs) > 1e-4


def test_untrusted_types_are_still_refused(tmp_path):
    path = tmp_path / 'evil.pth'
    torch.save({'x': copy.copy}, path)  # an arbitrary callable
    with checkpoint_safe_globals():  # even while mmhvr's list is active
        with pytest.raises(Exception, match='(?i)weights_only|unsupported'):
            torch.load(path, weights_only=True)
