"""Resuming mmengine checkpoints on torch >= 2.6.

torch 2.6 made ``torch.load(weights_only=True)`` the default. mmengine 0.10.7
saves its message hub (``HistoryBuffer`` objects holding numpy arrays) and
scheduler/optimizer states in the checkpoint, which the weights-only
unpickler refuses, so ``--resume`` fails. Instead of turning the safety check
off for every file, we allow-list exactly the types mmengine writes into its
own checkpoints; anything else in a downloaded file is still refused.

mmengine's ``HistoryBuffer`` also pickles its statistics methods, which
pickle writes as ``getattr(HistoryBuffer, 'mean')``; a general ``getattr``
would let a file reach any attribute of an allow-listed class, so the name
``builtins.getattr`` is bound to a getattr that only resolves
``HistoryBuffer``'s public methods.
"""
import collections
import pickle
from typing import Optional

import numpy as np
import torch


def _numpy_globals() -> list:
    types = [np.ndarray, np.dtype]
    # numpy scalars and dtypes pickle as their classes or dtype subclasses
    types += [type(np.dtype(t)) for t in np.sctypeDict.values()]
    types += list({t for t in np.sctypeDict.values()})
    try:  # numpy >= 2 pickles arrays through numpy._core
        from numpy._core.multiarray import _reconstruct, scalar
    except ImportError:  # numpy 1.x
        from numpy.core.multiarray import _reconstruct, scalar
    return types + [_reconstruct, scalar]


def _history_buffer_getattr(obj, name: str):
    """``getattr`` restricted to ``HistoryBuffer``'s public methods."""
    from mmengine.logging.history_buffer import HistoryBuffer
    if obj is HistoryBuffer and not name.startswith('_') and callable(
            getattr(HistoryBuffer, name, None)):
        return getattr(HistoryBuffer, name)
    raise pickle.UnpicklingError(
        f'checkpoint asks for getattr({obj!r}, {name!r}); only '
        'HistoryBuffer statistics methods are allowed')


def mmengine_safe_globals() -> list:
    """The non-tensor types mmengine 0.10 writes into a training checkpoint."""
    from mmengine.config import ConfigDict
    from mmengine.logging.history_buffer import HistoryBuffer
    return [
        HistoryBuffer, ConfigDict, collections.OrderedDict,
        collections.defaultdict, collections.Counter, set,
        (_history_buffer_getattr, 'builtins.getattr')
    ] + _numpy_globals()


def register_checkpoint_safe_globals() -> None:
    """Let ``torch.load(weights_only=True)`` read mmengine checkpoints."""
    add = getattr(torch.serialization, 'add_safe_globals', None)
    if add is not None:  # torch < 2.4 loads everything anyway
        add(mmengine_safe_globals())


# -- what a checkpoint is ---------------------------------------------------
STAGE_MISMATCH_HELP = (
    'use the stage-1 config, or test head A of this config with '
    '`model.test_cfg.branch=intra`')


def read_checkpoint(path: str, map_location: str = 'cpu') -> dict:
    """``mmengine``'s checkpoint loading with errors that name the file: a
    missing, empty, truncated or foreign file is a ``RuntimeError`` (or
    ``FileNotFoundError``) saying which file and why."""
    import os.path as osp

    from mmengine.runner.checkpoint import _load_checkpoint
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint {path} does not exist')
    if osp.getsize(path) == 0:
        raise RuntimeError(f'checkpoint {path} is empty (0 bytes)')
    try:
        # logged, not print()-ed: a --quiet console hides it
        ckpt = _load_checkpoint(path, map_location=map_location,
                                logger='current')
    except Exception as e:  # EOFError, UnpicklingError, zip errors...
        raise RuntimeError(
            f'cannot load checkpoint {path}: {type(e).__name__}: {e}') from e
    if not isinstance(ckpt, dict):
        raise RuntimeError(f'checkpoint {path} holds a {type(ckpt).__name__}'
                           ', not a dict of weights')
    return ckpt


def checkpoint_stage(ckpt: dict) -> Optional[int]:
    """The HVR stage a checkpoint was trained in: ``meta.hvr_stage``
    (written by :class:`~mmhvr.engine.HVRCheckpointMetaHook`), else the
    ``model.stage`` of the config mmengine saved in ``meta.cfg``; None when
    neither says."""
    meta = ckpt.get('meta') or {}
    stage = meta.get('hvr_stage')
    if stage is not None:
        return int(stage)
    text = meta.get('cfg')
    if not isinstance(text, str):
        return None
    try:
        from mmengine.config import Config
        cfg = Config.fromstring(text, '.py')
        model = cfg.get('model')
        if model is None or 'HVR' not in str(model.get('type', '')):
            return None
        return int(model.get('stage', 1))
    except Exception:
        return None


def check_checkpoint_stage(model_cfg: dict,
                           ckpt: dict,
                           checkpoint: str,
                           config: str = 'the config',
                           allow: bool = False) -> Optional[int]:
    """Refuse a stage-1 checkpoint under a stage-2 config that tests head B
    (``test_cfg.branch`` 'final', the stage-2 default): its inter-video
    relation and head B were never trained and its detections are
    meaningless. ``allow`` turns the refusal into a warning.

    Returns:
        int | None: the checkpoint's stage (None: unknown, a warning).
    """
    import warnings
    stage = checkpoint_stage(ckpt)
    cfg_stage = int(model_cfg.get('stage', 1))
    branch = (model_cfg.get('test_cfg') or {}).get('branch') or (
        'final' if cfg_stage == 2 else 'intra')
    if stage is None:
        if cfg_stage == 2 and branch == 'final':
            warnings.warn(f'{checkpoint} does not say which HVR stage it was '
                          'trained in (no meta.hvr_stage); a stage-1 '
                          'checkpoint gives meaningless head-B detections '
                          f'under {config}')
        return None
    if stage == 1 and branch == 'final':
        msg = (f'{checkpoint} is a stage-1 checkpoint (its inter-video '
               f'relation and head B are untrained) but {config} tests '
               f'head B (stage {cfg_stage}, branch final): '
               f'{STAGE_MISMATCH_HELP}')
        if not allow:
            raise ValueError(msg + '; or allow it explicitly '
                             '(--allow-stage-mismatch / '
                             'allow_stage_mismatch=True)')
        warnings.warn(msg + ' (allowed)')
    return stage
