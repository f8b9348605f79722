"""Make a checkpoint ready to publish: weights and metadata only, the first 8
hex digits of its sha256 in the file name (as mmdet's publish_model.py).

    python tools/model_converters/publish_model.py IN.pth OUT.pth
    # -> OUT-1a2b3c4d.pth, loadable with torch.load(weights_only=True)

The training state (optimizer, message hub, parameter schedulers, RNG
states) is dropped; ``meta`` is kept with its values turned into plain
Python types, so that the result loads under torch >= 2.6's default
``weights_only=True`` (mmengine's training checkpoints do not). Only model
checkpoints of a training run are published (``state_dict`` and a
``meta`` naming the config or HVR stage); anything else is refused.
"""
import argparse
import hashlib
import os
import os.path as osp
import sys

import numpy as np
import torch

KEEP = ('meta', 'state_dict')


def plain(obj, where: str, dropped: list):
    """``obj`` with numpy values turned into Python ones and objects that
    ``weights_only`` loading refuses removed (their paths go to
    ``dropped``)."""
    if obj is None or isinstance(obj, (bool, int, float, str, torch.Tensor)):
        return obj
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, np.ndarray):
        return obj.tolist()
    if isinstance(obj, dict):
        out = type(obj)() if type(obj) in (dict, ) else {}
        for k, v in obj.items():
            if not isinstance(k, (str, int)):
                dropped.append(f'{where}[{k!r}]')
                continue
            value = plain(v, f'{where}.{k}', dropped)
            if value is not _DROP:
                out[k] = value
        return out
    if isinstance(obj, (list, tuple)):
        items = [plain(v, f'{where}[{i}]', dropped)
                 for i, v in enumerate(obj)]
        items = [v for v in items if v is not _DROP]
        return tuple(items) if isinstance(obj, tuple) else items
    dropped.append(f'{where} ({type(obj).__name__})')
    return _DROP


_DROP = object()


def check_model_checkpoint(checkpoint, in_file: str) -> None:
    """Refuse what is not a model checkpoint written by an mmengine run:
    it must be a dict with a non-empty ``state_dict`` of tensors and a
    ``meta`` saying which model it is (``meta.cfg``, the config mmengine
    stores, or ``meta.hvr_stage``). A bare dict of tensors (``{'a':
    tensor}``) is refused: nothing says it is a model at all."""
    if not isinstance(checkpoint, dict):
        raise ValueError(f'{in_file}: not an mmengine checkpoint (a '
                         f'{type(checkpoint).__name__}, not a dict)')
    keys = ', '.join(map(str, list(checkpoint)[:8])) or 'none'
    state = checkpoint.get('state_dict')
    if not isinstance(state, dict):
        raise ValueError(f'{in_file}: not a model checkpoint: it has no '
                         f'state_dict (its top-level keys: {keys})')
    if not state:
        raise ValueError(f'{in_file}: its state_dict is empty')
    if not all(isinstance(v, torch.Tensor) for v in state.values()):
        raise ValueError(f'{in_file}: state_dict holds non-tensor values')
    meta = checkpoint.get('meta')
    if not isinstance(meta, dict) or (
            not isinstance(meta.get('cfg'), str)
            and meta.get('hvr_stage') is None):
        raise ValueError(f'{in_file}: not a checkpoint of a training run: '
                         'its meta says neither the config (meta.cfg) nor '
                         'the HVR stage (meta.hvr_stage) of the model')


def process_checkpoint(in_file: str, out_file: str,
                       trust: bool = False) -> str:
    """Write the published checkpoint; return its final path."""
    if not osp.isfile(in_file):
        raise FileNotFoundError(f'{in_file}: no such checkpoint')
    if not out_file.endswith('.pth'):
        raise ValueError(f'the output must end with .pth, got {out_file}')
    from mmhvr.engine.checkpoint import mmengine_safe_globals
    try:
        if trust:
            checkpoint = torch.load(in_file, map_location='cpu',
                                    weights_only=False)
        else:
            # the types mmengine writes into a training checkpoint (message
            # hub, numpy values) are allowed, nothing else
            with torch.serialization.safe_globals(mmengine_safe_globals()):
                checkpoint = torch.load(in_file, map_location='cpu',
                                        weights_only=True)
    except Exception as e:
        from mmhvr.engine.checkpoint import (_weights_only_refusal,
                                             describe_unloadable)
        refusal = None if trust else _weights_only_refusal(e)
        if refusal is not None:  # a real checkpoint with other objects
            raise ValueError(
                f'{in_file}: cannot be loaded weights-only: {refusal}. If '
                'you trust the file, rerun with --trust (loads it with '
                'weights_only=False).') from e
        raise ValueError(f'{in_file}: cannot be loaded as a checkpoint: '
                         f'{describe_unloadable(in_file)}') from e
    check_model_checkpoint(checkpoint, in_file)
    dropped = [k for k in checkpoint if k not in KEEP]
    state = {k: v for k, v in checkpoint['state_dict'].items()
             if not k.startswith('ema_')}
    published = dict(state_dict=state)
    if 'meta' in checkpoint:
        published['meta'] = plain(checkpoint['meta'], 'meta', dropped)
    out_dir = osp.dirname(osp.abspath(out_file))
    os.makedirs(out_dir, exist_ok=True)
    tmp = out_file + '.tmp'
    torch.save(published, tmp)
    try:
        torch.load(tmp, map_location='cpu', weights_only=True)
    except Exception as e:
        os.remove(tmp)
        raise RuntimeError(f'the stripped checkpoint still does not load '
                           f'with weights_only=True: {e}') from e
    sha = hashlib.sha256()
    with open(tmp, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            sha.update(chunk)
    final = f'{out_file[:-4]}-{sha.hexdigest()[:8]}.pth'
    os.replace(tmp, final)
    if dropped:
        print('dropped: ' + ', '.join(dropped))
    return final


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Strip a checkpoint for release and hash its name')
    parser.add_argument('in_file', help='input checkpoint filename')
    parser.add_argument('out_file', help='output checkpoint filename (.pth)')
    parser.add_argument(
        '--trust', action='store_true',
        help='load the input in full (weights_only=False) even if it holds '
        'objects other than the ones mmengine writes; only for files you '
        'trust')
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        final = process_checkpoint(args.in_file, args.out_file, args.trust)
    except (FileNotFoundError, ValueError, RuntimeError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    print(f'published checkpoint: {final}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
