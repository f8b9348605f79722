"""Seeded random weights: a checkpoint rebuilt from its key list and a seed.

Equivalence tests compare mmhvr with detections another code base produced
from the same weights. Storing a ResNet-50 checkpoint in the repository is
too large, so the tests store only the checkpoint's key list (name, shape,
dtype) and a seed, and rebuild the tensors here. Every tensor comes from its
own generator, seeded by ``(seed, sha256(key))``: a tensor does not depend on
which other keys are in the list or on their order, so a key list with one
key more or less gives the same values for the others.

The values are sized so a network built from them computes something
non-degenerate (no constant, exploding or vanishing activations):

================  ===========================================================
kind              values
================  ===========================================================
``weight`` (2-D+) ``N(0, 1) * gain / sqrt(fan_in)``, fan_in = prod(shape[1:])
norm ``weight``   ``1 + 0.1 * N(0, 1)`` (a 1-D ``weight``: BN/GN/LN scale)
``bias``          ``0.02 * N(0, 1)``
``running_mean``  ``0.1 * N(0, 1)``
``running_var``   ``U(0.5, 1.5)``
integer buffers   zeros (``num_batches_tracked``)
================  ===========================================================

``scales`` multiplies whole tensors by key prefix (the longest prefix that
matches wins), e.g. to sharpen a classifier so its scores spread out.
``values`` gives a few tensors explicitly (e.g. a classifier bias computed
once from the network's own features and stored in a fixture); they replace
the seeded ones and must have the listed shape.
"""
import hashlib
from collections import OrderedDict
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np
import torch

# (key, shape, dtype name), as stored in a JSON fixture
KeySpec = Tuple[str, Sequence[int], str]

FLOAT_DTYPES = ('float16', 'bfloat16', 'float32', 'float64')
INT_DTYPES = ('uint8', 'int8', 'int16', 'int32', 'int64', 'bool')


def key_seed(seed: int, key: str) -> int:
    """A 64-bit generator seed from the checkpoint seed and a key (stable
    across processes and Python versions, unlike ``hash``)."""
    if not isinstance(seed, int) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f'seed must be an int >= 0, got {seed!r}')
    digest = hashlib.sha256(f'{seed}\0{key}'.encode('utf-8')).digest()
    return int.from_bytes(digest[:8], 'little')


def tensor_kind(key: str, shape: Sequence[int], dtype: str) -> str:
    """Which rule of the module docstring makes the tensor ``key``.

    Returns one of ``'count'``, ``'running_var'``, ``'running_mean'``,
    ``'weight'``, ``'norm_weight'``, ``'bias'``; raises ``ValueError`` for a
    key no rule covers (naming the key)."""
    if dtype in INT_DTYPES:
        return 'count'
    if dtype not in FLOAT_DTYPES:
        raise ValueError(f'{key}: unknown dtype {dtype!r} (expected one of '
                         f'{FLOAT_DTYPES + INT_DTYPES})')
    name = key.rsplit('.', 1)[-1]
    if name in ('running_var', 'running_mean'):
        return name
    if len(shape) >= 2:
        return 'weight'
    if len(shape) == 1 and name == 'weight':
        return 'norm_weight'
    if len(shape) == 1 and name == 'bias':
        return 'bias'
    raise ValueError(f'{key}: no rule for a {dtype} tensor of shape '
                     f'{tuple(shape)} named {name!r}')


def _prefix_scale(key: str, scales: Optional[Mapping[str, float]]) -> float:
    if not scales:
        return 1.0
    matches = [p for p in scales if key.startswith(p)]
    if not matches:
        return 1.0
    return float(scales[max(matches, key=len)])


def seeded_tensor(key: str,
                  shape: Sequence[int],
                  dtype: str = 'float32',
                  seed: int = 0,
                  gain: float = 1.0,
                  scale: float = 1.0) -> torch.Tensor:
    """One tensor of the seeded checkpoint.

    Args:
        key (str): the state-dict key (its last name picks the rule).
        shape (Sequence[int]): the tensor's shape.
        dtype (str): a torch dtype name, e.g. ``'float32'``, ``'int64'``.
        seed (int): the checkpoint seed.
        gain (float): multiplies the fan-in scaled weights (2-D and more).
        scale (float): multiplies the whole tensor (any float kind).

    Returns:
        Tensor: of ``shape`` and ``dtype``.
    """
    shape = tuple(int(s) for s in shape)
    if any(s < 0 for s in shape):
        raise ValueError(f'{key}: negative size in shape {shape}')
    kind = tensor_kind(key, shape, dtype)
    torch_dtype = getattr(torch, dtype)
    if kind == 'count':
        return torch.zeros(shape, dtype=torch_dtype)
    rng = np.random.Generator(np.random.PCG64(key_seed(seed, key)))
    if kind == 'running_var':
        values = rng.uniform(0.5, 1.5, size=shape)
    else:
        values = rng.standard_normal(size=shape)
        if kind == 'weight':
            fan_in = int(np.prod(shape[1:]))
            values *= gain / np.sqrt(max(fan_in, 1))
        elif kind == 'norm_weight':
            values = 1.0 + 0.1 * values
        elif kind == 'bias':
            values *= 0.02
        else:  # running_mean
            values *= 0.1
    values = values * scale
    return torch.from_numpy(np.ascontiguousarray(values)).to(torch_dtype)


def seeded_state_dict(specs: Sequence[KeySpec],
                      seed: int,
                      gain: float = 1.0,
                      scales: Optional[Mapping[str, float]] = None,
                      values: Optional[Mapping[str, Sequence]] = None
                      ) -> 'OrderedDict[str, torch.Tensor]':
    """A whole seeded checkpoint, in the order of ``specs``.

    Args:
        specs (Sequence[KeySpec]): ``(key, shape, dtype)`` per tensor, as
            :func:`state_dict_specs` lists them.
        seed (int): the checkpoint seed.
        gain (float): see :func:`seeded_tensor`.
        scales (Mapping[str, float], optional): key prefix -> multiplier.
        values (Mapping[str, Sequence], optional): key -> nested list (or
            tensor) that replaces the seeded tensor of that key; a key not
            in ``specs`` or of another shape raises ``ValueError``.

    Returns:
        OrderedDict[str, Tensor]: a state dict for ``load_state_dict``.
    """
    state = OrderedDict()
    for spec in specs:
        if len(spec) != 3:
            raise ValueError(
                f'a key spec is (key, shape, dtype), got {spec!r}')
        key, shape, dtype = spec
        if key in state:
            raise ValueError(f'{key}: listed twice')
        state[key] = seeded_tensor(key, shape, dtype, seed, gain,
                                   _prefix_scale(key, scales))
    for key, value in (values or {}).items():
        if key not in state:
            raise ValueError(f'{key}: given in values but not in the key '
                             'list')
        tensor = torch.as_tensor(value, dtype=state[key].dtype)
        if tensor.shape != state[key].shape:
            raise ValueError(f'{key}: value of shape {tuple(tensor.shape)}, '
                             f'the key list says {tuple(state[key].shape)}')
        state[key] = tensor.clone()
    return state


def state_dict_specs(state_dict: Mapping[str, torch.Tensor]
                     ) -> List[Tuple[str, List[int], str]]:
    """The ``(key, shape, dtype)`` list of a state dict (JSON-ready)."""
    return [(key, list(value.shape), str(value.dtype).replace('torch.', ''))
            for key, value in state_dict.items()]


def tensor_checksums(state_dict: Mapping[str, torch.Tensor]
                     ) -> Dict[str, Tuple[float, float]]:
    """``key -> (sum, sum of absolute values)`` in float64: a compact record
    that a rebuilt checkpoint holds the values it held when a fixture was
    made."""
    out = {}
    for key, value in state_dict.items():
        if not value.is_floating_point():
            value = value.double()
        out[key] = (float(value.sum(dtype=torch.float64)),
                    float(value.abs().sum(dtype=torch.float64)))
    return out
