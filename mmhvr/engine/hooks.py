"""Hooks: crash-safe, exactly resumable runs; the HVR stage."""
import os
import os.path as osp
import random
import warnings
from typing import Optional

import numpy as np
import torch
from mmdet.engine.hooks import DetVisualizationHook
from mmengine.hooks import CheckpointHook, Hook
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


def _unwrap(model):
    return model.module if is_model_wrapper(model) else model


def init_stage2_heads(runner, inter_from_intra: bool = False) -> None:
    """Start stage 2: copy head A (the intra(2) branch, trained in stage
    1) into head B (after the inter-video relation, untrained), and with
    ``inter_from_intra`` the intra(2) relation into the inter-video
    relation. Only when training starts at iteration 0: a resumed run keeps
    its trained head B.

    The inter-video relation is residual (``out = Q + ...``, ``Wo`` near
    zero at init), so head B then starts from stage 1's detections.
    """
    if runner.iter != 0:
        return
    head = _unwrap(runner.model).roi_head.bbox_head
    head.init_final_from_intra()
    runner.logger.info('head B (fc_cls/fc_reg) initialised from head A '
                       '(fc_cls_intra/fc_reg_intra)')
    if inter_from_intra:
        head.init_inter_from_intra()
        runner.logger.info('inter-video relation initialised from the '
                           'intra(2) relation')


@HOOKS.register_module()
class HVRStageHook(Hook):
    """The HVR stage: checked and started before training, recorded in
    checkpoints. The one hook a stage needs (``default_runtime.py`` lists
    it; ``tools/train.py`` adds it to a config without it).

    * ``before_train``, stage-2 model: the wiring (see
      :func:`~mmhvr.engine.stage_check.stage2_problems`: frozen RPN, a
      ``VideoTripletSampler`` with a positive and a negative per group, the
      batch size) is checked on the built runner, a problem being a
      ``ValueError`` before the first iteration; then, at iteration 0,
      head B starts as a copy of head A (:func:`init_stage2_heads`).
    * ``before_save_checkpoint``: ``meta.hvr_stage`` (the model's stage) and
      ``meta.classes`` (the training set's class names), which
      ``tools/test.py``, ``demo/video_demo.py`` and ``init_detector`` read
      to refuse a stage-1 checkpoint under a stage-2 config.

    Args:
        inter_from_intra (bool): stage 2 also starts the inter-video
            relation as a copy of the trained intra(2) relation (same
            structure needed). Default False.
    """
    priority = 'VERY_HIGH'

    def __init__(self, inter_from_intra: bool = False) -> None:
        self.inter_from_intra = inter_from_intra

    def before_train(self, runner) -> None:
        from .stage_check import STAGE2_HELP, stage2_problems
        model = _unwrap(runner.model)
        if getattr(model, 'stage', 1) != 2:
            return
        loader = runner.cfg.get('train_dataloader') or {}
        problems = stage2_problems(
            getattr(model, 'frozen_modules', ()),
            loader.get('batch_sampler'), loader.get('batch_size'))
        if 'rpn_head' in getattr(model, 'frozen_modules', ()) and any(
                p.requires_grad for p in model.rpn_head.parameters()):
            problems.append('rpn_head is listed as frozen but has trainable '
                            'parameters')
        if problems:
            raise ValueError('stage-2 wiring:\n  ' + '\n  '.join(problems) +
                             f'\n({STAGE2_HELP})')
        if any(isinstance(h, FinalHeadFromIntraHook) for h in runner.hooks):
            return  # a config of before: that hook starts the heads
        init_stage2_heads(runner, self.inter_from_intra)

    def before_save_checkpoint(self, runner, checkpoint: dict) -> None:
        model = _unwrap(runner.model)
        meta = checkpoint.setdefault('meta', {})
        meta['hvr_stage'] = int(getattr(model, 'stage', 1))
        classes = None
        try:
            classes = runner.train_dataloader.dataset.metainfo.get('classes')
        except Exception:  # no training dataloader (e.g. a test runner)
            pass
        if classes is None:
            classes = (getattr(model, 'dataset_meta', None) or {}).get(
                'classes')
        if classes is not None:
            meta['classes'] = list(classes)


@HOOKS.register_module()
class FinalHeadFromIntraHook(Hook):
    """Deprecated: :class:`HVRStageHook` starts stage 2's heads (its
    ``inter_from_intra`` option). Kept so that older configs run: it does
    what it did (:func:`init_stage2_heads`), with a deprecation warning,
    and :class:`HVRStageHook` then leaves the heads to it."""
    priority = 'LOW'

    def __init__(self, inter_from_intra: bool = False) -> None:
        warnings.warn(
            'FinalHeadFromIntraHook is deprecated: HVRStageHook (in '
            'default_runtime.py) starts stage 2; drop it from custom_hooks '
            '(inter_from_intra=True: dict(type=\'HVRStageHook\', '
            'inter_from_intra=True))', DeprecationWarning)
        self.inter_from_intra = inter_from_intra

    def before_train(self, runner) -> None:
        init_stage2_heads(runner, self.inter_from_intra)


def ensure_stage_hook(cfg) -> None:
    """Add :class:`HVRStageHook` to ``cfg.custom_hooks`` unless present."""
    hooks = list(cfg.get('custom_hooks') or [])
    if not any(str(h.get('type', '')).split('.')[-1] == 'HVRStageHook'
               for h in hooks):
        hooks.append(dict(type='HVRStageHook'))
    cfg.custom_hooks = hooks


@HOOKS.register_module()
class AtomicCheckpointHook(CheckpointHook):
    """mmengine's ``CheckpointHook`` whose local writes are atomic.

    Checkpoints are written through the ``atomic_local`` file backend
    (:class:`~mmhvr.engine.AtomicLocalBackend`: temporary file + rename)
    and ``last_checkpoint`` with :func:`~mmhvr.engine.atomic_write`, so a
    run killed while saving leaves the previous checkpoint and a
    ``last_checkpoint`` naming a whole file. Files get the process umask,
    like mmengine's own. Everything else (intervals, ``max_keep_ckpts``,
    ``save_best``, remote ``out_dir`` with its own ``backend_args``) is
    mmengine's.
    """

    def __init__(self, *args, out_dir=None, backend_args=None,
                 file_client_args=None, **kwargs) -> None:
        local = out_dir is None or '://' not in str(out_dir)
        if local and backend_args is None and file_client_args is None:
            backend_args = dict(backend='atomic_local')
        super().__init__(*args, out_dir=out_dir, backend_args=backend_args,
                         file_client_args=file_client_args, **kwargs)

    def _save_checkpoint_with_step(self, runner, step, meta):
        # mmengine 0.10.7's body, with last_checkpoint written atomically
        from mmengine.dist import is_main_process

        from .atomic_backend import atomic_write
        if self.max_keep_ckpts > 0:
            if not (len(self.keep_ckpt_ids) > 0
                    and self.keep_ckpt_ids[-1] == step):
                if len(self.keep_ckpt_ids) == self.max_keep_ckpts:
                    _step = self.keep_ckpt_ids.popleft()
                    if is_main_process():
                        ckpt_path = self.file_backend.join_path(
                            self.out_dir, self.filename_tmpl.format(_step))
                        if self.file_backend.isfile(ckpt_path):
                            self.file_backend.remove(ckpt_path)
                        elif self.file_backend.isdir(ckpt_path):
                            self.file_backend.rmtree(ckpt_path)
                self.keep_ckpt_ids.append(step)
                runner.message_hub.update_info('keep_ckpt_ids',
                                               list(self.keep_ckpt_ids))

        ckpt_filename = self.filename_tmpl.format(step)
        self.last_ckpt = self.file_backend.join_path(self.out_dir,
                                                     ckpt_filename)
        runner.message_hub.update_info('last_ckpt', self.last_ckpt)
        runner.save_checkpoint(
            self.out_dir,
            ckpt_filename,
            self.file_client_args,
            save_optimizer=self.save_optimizer,
            save_param_scheduler=self.save_param_scheduler,
            meta=meta,
            by_epoch=self.by_epoch,
            backend_args=self.backend_args,
            **self.args)
        if not is_main_process():
            return
        atomic_write(
            str(self.last_ckpt).encode('utf-8'),
            osp.join(runner.work_dir, 'last_checkpoint'))


def video_frame_name(img_path: str) -> str:
    """``<video>/<frame>`` of a frame path: the frame's folder (the video's
    snippet folder in ImageNet VID and the toy set) and file name."""
    return osp.join(osp.basename(osp.dirname(img_path)),
                    osp.basename(img_path))


@HOOKS.register_module()
class VideoVisualizationHook(DetVisualizationHook):
    """mmdet's ``DetVisualizationHook`` that saves test frames as
    ``<test_out_dir>/<video>/<frame>`` (:func:`video_frame_name`):
    frames of different videos share file names (``000000.JPEG``), which
    mmdet's hook would write over each other. ``tools/test.py --show-dir``
    uses it."""

    def after_test_iter(self, runner, batch_idx: int, data_batch: dict,
                        outputs) -> None:
        import mmcv
        from mmengine.fileio import get
        if self.draw is False:
            return
        if self.test_out_dir is not None and not getattr(
                self, '_out_dir_set', False):
            self.test_out_dir = osp.join(runner.work_dir, runner.timestamp,
                                         self.test_out_dir)
            self._out_dir_set = True
        for data_sample in outputs:
            self._test_index += 1
            img_path = data_sample.img_path
            img = mmcv.imfrombytes(get(img_path), channel_order='rgb')
            out_file = None
            if self.test_out_dir is not None:
                out_file = osp.join(self.test_out_dir,
                                    video_frame_name(img_path))
                os.makedirs(osp.dirname(out_file), exist_ok=True)
            self._visualizer.add_datasample(
                video_frame_name(img_path) if self.show else 'test_img',
                img,
                data_sample=data_sample,
                show=self.show,
                wait_time=self.wait_time,
                pred_score_thr=self.score_thr,
                out_file=out_file,
                step=self._test_index)
