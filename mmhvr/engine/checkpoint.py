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
