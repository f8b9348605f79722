"""Convert an MMTracking VID checkpoint into mmhvr's keys.

    python tools/model_converters/mmtrack2mmhvr.py IN.pth OUT.pth \
        [--method selsa] [--config CONFIG] [--force]

Single-frame Faster R-CNN, SELSA and Temporal RoI Align checkpoints of
MMTracking (``dev-1.x`` key layout, docs/mmtrack_methods.md §7); the method
and the backbone (R50/R101/X101) are read from the keys unless given. The
key mapping is :mod:`mmhvr.models.utils.mmtrack_keys`.

Checks, before anything is written: every key of IN is consumed by a rule
of the method, and the result fills every parameter and buffer of the mmhvr
model of the method's config (or ``--config``), with the same shapes. A
failure is one ``error:`` line listing the keys left over, exit status 1,
and OUT is not written. The class names (``meta.dataset_meta.classes`` or
``meta.CLASSES``) are kept as ``meta.dataset_meta.classes``. An existing
OUT is only replaced with ``--force``. OUT loads with ``torch.load(...,
weights_only=True)``.
"""
import argparse
import os
import os.path as osp
import sys
from typing import List, Optional, Sequence

import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)


class ConversionError(Exception):
    """A reason not to write OUT (one line)."""


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='Convert an MMTracking VID checkpoint to mmhvr keys')
    parser.add_argument('input', help='MMTracking checkpoint (.pth)')
    parser.add_argument('output', help='mmhvr checkpoint to write')
    parser.add_argument('--method', default=None,
                        help='faster_rcnn, selsa, temporal_roi_align, ... '
                        '(default: read from the keys)')
    parser.add_argument('--config', default=None,
                        help='mmhvr config whose model the result must fill '
                        '(default: the method\'s config for the backbone)')
    parser.add_argument('--force', action='store_true',
                        help='replace OUT if it exists')
    return parser.parse_args(argv)


def _show(keys: List[str]) -> str:
    return ', '.join(keys)


def class_names(meta: dict) -> Optional[List[str]]:
    """The class names an MMTracking/mmengine checkpoint's ``meta`` holds
    (``dataset_meta.classes``, ``CLASSES`` or ``classes``)."""
    if not isinstance(meta, dict):
        return None
    for value in ((meta.get('dataset_meta') or {}).get('classes'),
                  (meta.get('dataset_meta') or {}).get('CLASSES'),
                  meta.get('CLASSES'), meta.get('classes')):
        if value is not None:
            return [str(c) for c in value]
    return None


def convert(in_file: str, method: Optional[str] = None,
            config: Optional[str] = None) -> dict:
    """The mmhvr checkpoint (``state_dict`` and ``meta``) of ``in_file``;
    raises :class:`ConversionError` with the one-line reason."""
    from mmengine.config import Config

    from mmhvr.engine.checkpoint import (build_model_state, read_weights,
                                         state_dict_mismatch)
    from mmhvr.models.utils import mmtrack_keys as mk
    from mmhvr.utils import register_all_modules

    try:
        ckpt, state = read_weights(in_file)
    except (FileNotFoundError, RuntimeError) as e:
        raise ConversionError(str(e)) from e
    if method is not None and method not in mk.METHODS:
        raise ConversionError(f'--method {method}: not one of '
                              f'{sorted(mk.METHODS)}')
    if method is None:
        method = mk.detect_method(state) or mk.closest_method(state)
    converted, method, unmapped = mk.convert_state_dict(state, method)
    problems = []
    if unmapped:
        problems.append(f'{len(unmapped)} key(s) not consumed by the '
                        f'{method} mapping: {_show(sorted(unmapped))}')

    if config is None:
        backbone = mk.detect_backbone(
            {k: tuple(v.shape) for k, v in state.items()})
        config = mk.METHODS[method].configs.get(backbone)
        if config is None:
            raise ConversionError(f'{in_file}: no mmhvr {method} config for '
                                  f'a {backbone} backbone; give --config')
        config = osp.join(REPO, config)
    register_all_modules(init_default_scope=False)
    try:
        cfg = Config.fromfile(config)
    except Exception as e:  # a missing file, a syntax error...
        raise ConversionError(f'cannot read config {config}: {e}') from e
    expected = build_model_state(cfg.model, cfg.get('default_scope', 'mmhvr'))
    mismatch = state_dict_mismatch(expected, converted)
    if mismatch['missing']:
        problems.append(f'{len(mismatch["missing"])} parameter(s) of the '
                        f'model not filled: {_show(mismatch["missing"])}')
    if mismatch['unexpected']:
        problems.append(f'{len(mismatch["unexpected"])} converted key(s) '
                        'the model does not have: '
                        f'{_show(mismatch["unexpected"])}')
    if mismatch['shapes']:
        problems.append(f'{len(mismatch["shapes"])} shape mismatch(es): ' +
                        ', '.join(f'{k} {tuple(converted[k].shape)} vs '
                                  f'{tuple(expected[k].shape)}'
                                  for k in mismatch['shapes']))
    if problems:
        raise ConversionError(
            f'{in_file} ({method}) does not fit {osp.relpath(config)}: ' +
            '; '.join(problems))

    meta = ckpt.get('meta') if isinstance(ckpt.get('meta'), dict) else {}
    out_meta = dict(
        converted_from=osp.basename(in_file),
        mmtrack_method=method,
        config=osp.relpath(config, REPO) if config.startswith(REPO) else
        config)
    classes = class_names(meta)
    if classes is not None:
        out_meta['dataset_meta'] = dict(classes=classes)
    return dict(state_dict={k: v.contiguous() for k, v in converted.items()},
                meta=out_meta)


def main(argv: Optional[Sequence[str]] = None) -> int:
    args = parse_args(argv)
    if osp.exists(args.output) and not args.force:
        print(f'error: {args.output} exists; give --force to replace it',
              file=sys.stderr)
        return 1
    try:
        out = convert(args.input, args.method, args.config)
    except ConversionError as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    tmp = args.output + '.tmp'
    os.makedirs(osp.dirname(osp.abspath(args.output)), exist_ok=True)
    torch.save(out, tmp)
    os.replace(tmp, args.output)
    classes = out['meta'].get('dataset_meta', {}).get('classes')
    print(f'{args.input} ({out["meta"]["mmtrack_method"]}, '
          f'{len(out["state_dict"])} tensors) -> {args.output}; classes: '
          f'{len(classes) if classes else "none in the checkpoint"}')
    if not classes:
        print('warning: no class names in the checkpoint; mmhvr uses the '
              "config's test dataset's", file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main())
