"""Hooks: crash-safe, exactly resumable runs; the stage-2 start."""
import random
from typing import Optional

import numpy as np
import torch
from mmengine.hooks import Hook
from mmengine.model import is_model_wrapper

from mmhvr.registry import HOOKS


class _RestoreAfter:
    """Iterator proxy: after ``skip`` items, restore RNG states once."""

    def __init__(self, iterator, skip: int, states: dict) -> None:
        self.iterator = iterator
        self.skip = skip
        self.states = states

    def __iter__(self):
        return self

    def __next__(self):
        if self.skip == 0 and self.states is not None:
            set_rng_states(self.states)
            self.states = None
        self.skip -= 1
        return next(self.iterator)

    def __getattr__(self, name):
        return getattr(self.iterator, name)


def get_rng_states() -> dict:
    states = dict(python=random.getstate(), numpy=np.random.get_state(),
                  torch=torch.get_rng_state())
    if torch.cuda.is_available():
        states['cuda'] = torch.cuda.get_rng_state_all()
    return states


def set_rng_states(states: dict) -> None:
    random.setstate(states['python'])
    np.random.set_state(states['numpy'])
    torch.set_rng_state(states['torch'])
    if 'cuda' in states and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(states['cuda'])


@HOOKS.register_module()
class RNGStateHook(Hook):
    """Save the python/numpy/torch RNG states with every checkpoint and, on
    resume, restore them right where the uninterrupted run stood.

    mmengine's iteration loop fast-forwards the dataloader by loading the
    batches already trained on, which draws augmentation randomness; the
    states are therefore restored after that fast-forward, just before the
    first new batch is loaded. With this, a resumed run sees the same data,
    augmentations and RoI samples as an uninterrupted one.
    """
    priority = 'VERY_LOW'

    def __init__(self) -> None:
        self._resumed: Optional[dict] = None

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        checkpoint.setdefault('meta', {})['rng_states'] = get_rng_states()

    def after_load_checkpoint(self, runner, checkpoint: dict) -> None:
        self._resumed = checkpoint.get('meta', {}).get('rng_states')

    def before_train(self, runner) -> None:
        if self._resumed is None or not runner._resume:
            return
        loop = runner.train_loop
        if hasattr(loop, 'dataloader_iterator'):
            loop.dataloader_iterator = _RestoreAfter(
                loop.dataloader_iterator, runner.iter, self._resumed)
        self._resumed = None


@HOOKS.register_module()
class FinalHeadFromIntraHook(Hook):
    """At the start of stage 2, copy head A (the intra(2) branch, trained in
    stage 1) into head B (after the inter-video relation, not trained in
    stage 1).

    The inter-video relation is residual (``out = Q + ...``, ``Wo`` near
    zero at init), so head B then starts from stage 1's detections instead
    of from random weights. Runs only when training starts at iteration 0:
    a resumed stage-2 run keeps its trained head B.
    """
    priority = 'LOW'

    def before_train(self, runner) -> None:
        if runner.iter != 0:
            return
        model = runner.model
        if is_model_wrapper(model):
            model = model.module
        model.roi_head.bbox_head.init_final_from_intra()
        runner.logger.info('head B (fc_cls/fc_reg) initialised from head A '
                           '(fc_cls_intra/fc_reg_intra)')
