"""Resuming mmengine checkpoints on torch >= 2.6.

torch 2.6 made ``torch.load(weights_only=True)`` the default. mmengine 0.10.7
saves its message hub (``HistoryBuffer`` objects holding numpy arrays) and
scheduler/optimizer states in the checkpoint, which the weights-only
unpickler refuses, so ``--resume`` fails. Instead of turning the safety check
off for every file, we allow-list exactly the types mmengine writes into its
own checkpoints; anything else in a downloaded file is still refused. The
allow-list holds only while mmhvr loads a checkpoint
(:func:`checkpoint_safe_globals` around :func:`read_checkpoint` and the
runner's ``load_checkpoint``/``resume``,
:func:`scope_runner_checkpoint_loads`): importing mmhvr leaves ``torch.serialization.get_safe_globals()`` as it was,
so other libraries' ``torch.load`` calls accept what they accepted before.

mmengine's ``HistoryBuffer`` also pickles its statistics methods, which
pickle writes as ``getattr(HistoryBuffer, 'mean')``; a general ``getattr``
would let a file reach any attribute of an allow-listed class, so the name
``builtins.getattr`` is bound to a getattr that only resolves
``HistoryBuffer``'s public methods.
"""
import collections
import contextlib
import pickle
from typing import Iterator, Optional, Tuple

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
    """Let every ``torch.load(weights_only=True)`` of the process read
    mmengine checkpoints (process-wide, for scripts that want it; mmhvr
    itself never calls it: its own loads use
    :func:`checkpoint_safe_globals`)."""
    add = getattr(torch.serialization, 'add_safe_globals', None)
    if add is not None:  # torch < 2.4 loads everything anyway
        add(mmengine_safe_globals())


@contextlib.contextmanager
def checkpoint_safe_globals() -> Iterator[None]:
    """Allow mmengine's checkpoint types (:func:`mmengine_safe_globals`)
    for the ``torch.load`` calls inside the block, and only there.

    On exit the allow-list is what it was on entry, plus whatever other
    code added meanwhile: only the types this block added are removed (a
    type another caller had allowed before stays). Nesting is fine.
    """
    serialization = torch.serialization
    if not hasattr(serialization, 'add_safe_globals'):  # torch < 2.4
        yield
        return
    before = serialization.get_safe_globals()
    added = [g for g in mmengine_safe_globals() if g not in before]
    serialization.add_safe_globals(added)
    try:
        yield
    finally:
        keep = [g for g in serialization.get_safe_globals()
                if g not in added]
        serialization.clear_safe_globals()
        serialization.add_safe_globals(keep)


def scope_runner_checkpoint_loads(runner):
    """Make ``runner``'s own checkpoint loads (``load_checkpoint`` and
    ``resume``, which mmengine 0.10.7 does with a plain ``torch.load``)
    run inside :func:`checkpoint_safe_globals`; nothing else of the
    process is affected. Idempotent.

    Returns:
        the same runner.
    """
    if getattr(runner, '_mmhvr_scoped_loads', False):
        return runner
    for name in ('load_checkpoint', 'resume'):
        method = getattr(runner, name)

        def scoped(*args, _method=method, **kwargs):
            with checkpoint_safe_globals():
                return _method(*args, **kwargs)

        scoped.__doc__ = method.__doc__
        setattr(runner, name, scoped)
    runner._mmhvr_scoped_loads = True
    return runner


# -- what a checkpoint is ---------------------------------------------------
STAGE_MISMATCH_HELP = (
    'use the stage-1 config, or test head A of this config with '
    '`model.test_cfg.branch=intra`')


def describe_unloadable(path: str) -> str:
    """What a file that ``torch.load`` refused is, in words (a text file,
    a cut-off zip archive...), instead of torch's advice to retry with
    ``weights_only=False``, which does not apply to those."""
    import zipfile
    with open(path, 'rb') as f:
        head = f.read(256)
    if zipfile.is_zipfile(path):
        return ('a zip archive that torch cannot read as a checkpoint '
                '(damaged, or not written by torch.save)')
    if head.startswith(b'PK'):
        return ('a zip archive cut off before its end (truncated: an '
                'interrupted save or copy?)')
    if head[:1] == b'\x80':  # a pickle (torch's legacy format)
        return 'a pickle that cannot be read as a checkpoint'
    try:
        text = head.decode('utf-8')
    except UnicodeDecodeError:
        text = None
    if text is not None and all(c.isprintable() or c.isspace()
                                for c in text):
        first = text.strip().splitlines()[0][:40] if text.strip() else ''
        return f'a text file, not a checkpoint (it starts with {first!r})'
    return f'not a torch checkpoint (it starts with the bytes {head[:8]!r})'


def _weights_only_refusal(e: Exception) -> Optional[str]:
    """The first line of torch's weights-only refusal (the global it
    does not allow), without its retry advice; None for other errors."""
    text = str(e)
    if 'Weights only load failed' not in text:
        return None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith('WeightsUnpickler error:'):
            return (line[len('WeightsUnpickler error:'):].strip() +
                    ' (it holds objects other than weights and '
                    "mmengine's training state)")
    return 'it holds objects other than weights and mmengine\'s state'


def read_checkpoint(path: str, map_location: str = 'cpu') -> dict:
    """``mmengine``'s checkpoint loading (``weights_only=True``, with
    mmengine's training-state types allowed for this load only) with errors
    that name the file and say what it is: a missing, empty, truncated,
    text or foreign file is a ``RuntimeError`` (or ``FileNotFoundError``).
    """
    import os.path as osp

    from mmengine.runner.checkpoint import _load_checkpoint
    if not osp.isfile(path):
        raise FileNotFoundError(f'checkpoint {path} does not exist')
    if osp.getsize(path) == 0:
        raise RuntimeError(f'checkpoint {path} is empty (0 bytes)')
    try:
        # logged, not print()-ed: a --quiet console hides it
        with checkpoint_safe_globals():
            ckpt = _load_checkpoint(path, map_location=map_location,
                                    logger='current')
    except Exception as e:  # EOFError, UnpicklingError, zip errors...
        what = _weights_only_refusal(e) or describe_unloadable(path)
        raise RuntimeError(f'cannot load checkpoint {path}: {what}') from e
    if not isinstance(ckpt, dict):
        raise RuntimeError(f'checkpoint {path} holds a {type(ckpt).__name__}'
                           ', not a dict of weights')
    return ckpt


def checkpoint_state_dict(ckpt: dict) -> dict:
    """The weights of a loaded checkpoint (``state_dict``, or the dict
    itself for a bare state dict), without DDP's ``module.`` prefix."""
    state = ckpt.get('state_dict', ckpt)
    return {k[7:] if k.startswith('module.') else k: v
            for k, v in state.items()}


def read_weights(path: str) -> Tuple[dict, dict]:
    """(checkpoint, its state dict) of ``path``, as :func:`read_checkpoint`
    and :func:`checkpoint_state_dict`; a file without a non-empty dict of
    tensors is a ``RuntimeError`` naming it."""
    ckpt = read_checkpoint(path)
    state = checkpoint_state_dict(ckpt)
    if not state or not all(torch.is_tensor(v) for v in state.values()):
        raise RuntimeError(f'{path} holds no state dict of tensors')
    return ckpt, state


def state_dict_mismatch(expected: dict,
                        state: dict,
                        ignore_unexpected: bool = False) -> dict:
    """How ``state`` fails to fill a model whose ``state_dict()`` (or the
    part of it that must be filled) is ``expected``: ``missing``,
    ``unexpected`` (empty with ``ignore_unexpected``) and ``shapes``
    (mis-shaped) key lists, and the two dicts."""
    missing = sorted(set(expected) - set(state))
    unexpected = [] if ignore_unexpected else sorted(
        set(state) - set(expected))
    shapes = sorted(
        k for k in set(state) & set(expected)
        if tuple(getattr(state[k], 'shape', ())) != tuple(expected[k].shape))
    return dict(missing=missing, unexpected=unexpected, shapes=shapes,
                expected=expected, state=state)


def mismatch_message(mismatch: dict, checkpoint: str, config: str) -> str:
    """The lines of a refusal: which keys are missing, unexpected or
    mis-shaped (8 of each at most); empty if the state fits."""
    missing, unexpected, shapes = (mismatch['missing'],
                                   mismatch['unexpected'], mismatch['shapes'])
    if not (missing or unexpected or shapes):
        return ''

    def show(keys):
        return ', '.join(keys[:8]) + (' ...' if len(keys) > 8 else '')

    state, expected = mismatch['state'], mismatch['expected']
    lines = [f'{checkpoint} does not match the model of {config}:']
    if missing:
        lines.append(f'  missing keys ({len(missing)}): {show(missing)}')
    if unexpected:
        lines.append(f'  unexpected keys ({len(unexpected)}): '
                     f'{show(unexpected)}')
    if shapes:
        lines.append(f'  shape mismatch ({len(shapes)}): ' + ', '.join(
            f'{k} {tuple(state[k].shape)} vs {tuple(expected[k].shape)}'
            for k in shapes[:8]))
    return '\n'.join(lines)


def check_state_dict_fits(expected: dict,
                          ckpt: dict,
                          checkpoint: str,
                          config: str = 'the config') -> None:
    """Raise ``ValueError`` (:func:`mismatch_message`) unless the weights
    of ``ckpt`` fill ``expected`` (a model's ``state_dict()``)."""
    msg = mismatch_message(
        state_dict_mismatch(expected, checkpoint_state_dict(ckpt)),
        checkpoint, config)
    if msg:
        raise ValueError(msg)


def build_model_state(model_cfg: dict, default_scope: str = 'mmhvr') -> dict:
    """The ``state_dict()`` of the model ``model_cfg`` builds, without
    downloading pretrained weights (``backbone.init_cfg`` dropped)."""
    import copy

    from mmengine.registry import DefaultScope

    from mmhvr.registry import MODELS
    model_cfg = copy.deepcopy(model_cfg)
    if isinstance(model_cfg.get('backbone'), dict):
        model_cfg['backbone']['init_cfg'] = None
    with DefaultScope.overwrite_default_scope(default_scope):
        return MODELS.build(model_cfg).state_dict()


# the parts of a stage-2 model that stage 2 trains from scratch (the
# inter-video relation) or starts as a copy of head A (head B,
# HVRStageHook): everything else must come from load_from
STAGE2_FROM_SCRATCH = ('roi_head.bbox_head.inter_relation.',
                       'roi_head.bbox_head.fc_cls.',
                       'roi_head.bbox_head.fc_reg.')


def check_stage2_load_from(cfg, allow: bool = False) -> None:
    """Stage 2 fine-tunes stage-1 weights with the backbone's first stages
    and the RPN frozen: its ``load_from`` must fill every weight except the
    ones stage 2 trains from scratch (:data:`STAGE2_FROM_SCRATCH`), i.e.
    the backbone, neck, RPN and the intra heads (head A); mmengine would
    load a foreign file with INFO lines only and train random frozen
    layers. Raises ``ValueError`` listing what is missing or mis-shaped;
    ``allow`` makes it a warning. Nothing for stage 1, ``--resume`` or a
    remote ``load_from``."""
    import warnings
    model = cfg.get('model') or {}
    path = cfg.get('load_from')
    if int(model.get('stage', 1)) != 2 or not path or cfg.get('resume') \
            or '://' in str(path) or not cfg.get('train_dataloader'):
        return
    expected = build_model_state(model, cfg.get('default_scope', 'mmhvr'))
    needed = {k: v for k, v in expected.items()
              if not k.startswith(STAGE2_FROM_SCRATCH)}
    state = checkpoint_state_dict(read_checkpoint(path))
    mismatch = state_dict_mismatch(needed, state, ignore_unexpected=True)
    msg = mismatch_message(mismatch, f'load_from {path}',
                           f'{cfg.filename or "the config"} (stage 2 needs '
                           'the stage-1 backbone, neck, RPN and intra heads)')
    if not msg:
        return
    if not allow:
        raise ValueError(msg + '\n  (train stage 1 first, point load_from '
                         'at its checkpoint, or allow it explicitly: '
                         '--allow-incomplete-load-from)')
    warnings.warn(msg + ' (allowed)')


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
