"""Resuming mmengine checkpoints on torch >= 2.6.

torch 2.6 made ``torch.load(weights_only=True)`` the default. mmengine 0.10.7
saves its message hub (``HistoryBuffer`` objects holding numpy arrays) and
scheduler/optimizer states in the checkpoint, which the weights-only
unpickler refuses, so ``--resume`` fails. Instead of turning the safety check
off for every file, we allow-list exactly the types mmengine writes into its
own checkpoints; anything else in a downloaded file is still refused.
"""
import collections

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


def mmengine_safe_globals() -> list:
    """The non-tensor types mmengine 0.10 writes into a training checkpoint."""
    from mmengine.logging.history_buffer import HistoryBuffer
    from mmengine.config import ConfigDict
    return [HistoryBuffer, ConfigDict, collections.OrderedDict,
            collections.defaultdict, set] + _numpy_globals()


def register_checkpoint_safe_globals() -> None:
    """Let ``torch.load(weights_only=True)`` read mmengine checkpoints."""
    add = getattr(torch.serialization, 'add_safe_globals', None)
    if add is not None:  # torch < 2.4 loads everything anyway
        add(mmengine_safe_globals())
