"""A stage-1 HVR-Net initial checkpoint from a SELSA checkpoint: the parts
that correspond, nothing else.

    python tools/model_converters/selsa2hvrnet.py IN.pth OUT.pth \
        [--config HVR_CONFIG] [--force]

IN is a SELSA checkpoint in mmhvr's keys (the output of
``tools/model_converters/mmtrack2mmhvr.py``) or MMTracking's own SELSA
checkpoint (converted here with the same key table,
:mod:`mmhvr.models.utils.mmtrack_keys`). Any other model (single-frame
Faster R-CNN, Temporal RoI Align, FGFA, DFF, an HVR-Net) is refused.

What corresponds (``configs/hvrnet/README.md``, "Starting from SELSA"):
only the backbone. Both are the same ResNet-DC5 on the same normalised
image; everything after it reads the neck's output, and the necks differ
(SELSA: 3x3 conv to 512 channels + ReLU; HVR-Net: 1x1 conv to 256, no
activation), so the RPN and the RoI head would get features they were never
trained on, even where the shapes happen to match. They are left to the
config's init (:data:`LEFT_TO_INIT`).

The backbone's keys and shapes are checked against the HVR-Net model of
``--config`` (default: the R101 stage-1 ImageNet VID config): a missing,
extra or mis-shaped backbone tensor (e.g. an R50 SELSA for an R101
HVR-Net) is one ``error:`` line and OUT is not written. OUT (``state_dict``
with ``backbone.*`` keys, ``meta`` with the class names and what was taken)
is written atomically, replaces an existing file only with ``--force``, and
loads as ``load_from`` or as ``backbone.init_cfg=dict(type='Pretrained',
prefix='backbone.', checkpoint=OUT)`` (what
``configs/hvrnet/hvrnet_faster-rcnn_r101-dc5_stage1_from-selsa_imagenetvid.py``
does).
"""
import argparse
import io
import os.path as osp
import sys
from typing import Dict, List, Optional, Sequence, Tuple

import torch

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
if REPO not in sys.path:
    sys.path.insert(0, REPO)

DEFAULT_CONFIG = ('configs/hvrnet/'
                  'hvrnet_faster-rcnn_r101-dc5_stage1_imagenetvid.py')

#: the HVR-Net parts taken from SELSA (key prefixes, the same in both)
TAKEN = ('backbone.', )

#: HVR-Net part -> why it does not correspond to SELSA's (left to its init)
LEFT_TO_INIT: Dict[str, str] = {
    'neck.': 'a 1x1 conv to 256 channels without activation (SELSA: 3x3 to '
             '512 with ReLU)',
    'rpn_head.': "reads the neck's output, which differs",
    'roi_head.': "reads RoI features of the neck's output, which differs "
                 '(fc1, and all that follows it)',
}

#: an mmhvr SELSA state dict has keys under these prefixes only ...
SELSA_PREFIXES = ('backbone.', 'neck.', 'rpn_head.',
                  'roi_head.bbox_head.shared_fcs.',
                  'roi_head.bbox_head.fc_cls.', 'roi_head.bbox_head.fc_reg.',
                  'roi_head.bbox_head.aggregator.')
#: ... and some under each of these
SELSA_REQUIRED = ('backbone.', 'neck.', 'rpn_head.',
                  'roi_head.bbox_head.shared_fcs.',
                  'roi_head.bbox_head.aggregator.')


class ConversionError(Exception):
    """A reason not to write OUT (one line)."""


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description='A stage-1 HVR-Net initial checkpoint from a SELSA one '
        '(the backbone; the rest is left to the config\'s init)')
    parser.add_argument('input', help='SELSA checkpoint (mmhvr keys, or '
                        "MMTracking's)")
    parser.add_argument('output', help='HVR-Net initial checkpoint to write')
    parser.add_argument('--config', default=DEFAULT_CONFIG,
                        help='HVR-Net config whose backbone OUT must fill '
                        f'(default: {DEFAULT_CONFIG})')
    parser.add_argument('--force', action='store_true',
                        help='replace OUT if it exists')
    return parser.parse_args(argv)


def _first(keys: List[str], n: int = 3) -> str:
    return ', '.join(keys[:n]) + (' ...' if len(keys) > n else '')


def selsa_state(state: Dict[str, torch.Tensor],
                in_file: str) -> Tuple[Dict[str, torch.Tensor], str]:
    """SELSA's tensors in mmhvr's keys, and where they came from
    (``'mmhvr'`` or ``'mmtrack'``); :class:`ConversionError` for any other
    model."""
    from mmhvr.models.utils import mmtrack_keys as mk
    if any(k.startswith('detector.') for k in state):
        method = mk.detect_method(state.keys())
        if method != 'selsa':
            what = (f'an MMTracking {method} checkpoint' if method else
                    'an MMTracking checkpoint of no single known method '
                    f'(closest: {mk.closest_method(state.keys())})')
            raise ConversionError(f'{in_file} is {what}, not SELSA')
        converted, _, unmapped = mk.convert_state_dict(state, 'selsa')
        if unmapped:  # detect_method covers every key; kept as a guard
            raise ConversionError(f'{in_file}: keys the SELSA mapping does '
                                  f'not consume: {_first(sorted(unmapped))}')
        return converted, 'MMTracking'
    foreign = sorted(k for k in state if not k.startswith(SELSA_PREFIXES))
    absent = [p for p in SELSA_REQUIRED
              if not any(k.startswith(p) for k in state)]
    if foreign or absent:
        why = (f'keys SELSA does not have: {_first(foreign)}' if foreign else
               f'no {", ".join(p.rstrip(".") for p in absent)} keys')
        raise ConversionError(f'{in_file} is not a SELSA checkpoint ({why})')
    return dict(state), 'mmhvr'


def _depth(keys) -> str:
    """``'<n> layer3 blocks'`` of a ResNet's backbone keys (23: a
    101-layer net, 6: a 50-layer one)."""
    blocks = {k.split('.')[2] for k in keys
              if k.startswith('backbone.layer3.')}
    return f'{len(blocks)} layer3 blocks'


def _mmtrack2mmhvr():
    """The sibling converter tool as a module (its ``class_names``)."""
    import importlib.util
    path = osp.join(osp.dirname(osp.abspath(__file__)), 'mmtrack2mmhvr.py')
    spec = importlib.util.spec_from_file_location('mmtrack2mmhvr_tool', path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def convert(in_file: str,
            config: str = DEFAULT_CONFIG) -> Tuple[dict, Dict[str, int]]:
    """OUT's contents (``state_dict``: SELSA's backbone under HVR-Net's
    keys; ``meta``) and the number of tensors of each part left to the
    config's init; raises :class:`ConversionError` with the one-line
    reason."""
    from mmengine.config import Config

    from mmhvr.engine.checkpoint import (build_model_state, read_weights,
                                         state_dict_mismatch)
    from mmhvr.utils import register_all_modules

    try:
        ckpt, state = read_weights(in_file)
    except (FileNotFoundError, RuntimeError) as e:
        raise ConversionError(str(e)) from e
    selsa, source = selsa_state(state, in_file)

    config_path = config if osp.isfile(config) else osp.join(REPO, config)
    register_all_modules(init_default_scope=False)
    try:
        cfg = Config.fromfile(config_path)
    except Exception as e:  # a missing file, a syntax error...
        raise ConversionError(f'cannot read config {config}: {e}') from e
    model_type = str((cfg.get('model') or {}).get('type', ''))
    if model_type != 'HVRDetector':
        raise ConversionError(f'--config {config}: model.type is '
                              f'{model_type!r}, not HVRDetector')
    expected = build_model_state(cfg.model, cfg.get('default_scope', 'mmhvr'))
    taken = {k: v for k, v in selsa.items() if k.startswith(TAKEN)}
    needed = {k: v for k, v in expected.items() if k.startswith(TAKEN)}
    mismatch = state_dict_mismatch(needed, taken)
    problems = []
    for what in ('missing', 'unexpected'):
        if mismatch[what]:
            problems.append(f'{len(mismatch[what])} {what} backbone key(s): '
                            f'{_first(mismatch[what])}')
    if mismatch['shapes']:
        problems.append(f'{len(mismatch["shapes"])} backbone shape '
                        'mismatch(es): ' + ', '.join(
                            f'{k} {tuple(taken[k].shape)} vs '
                            f'{tuple(needed[k].shape)}'
                            for k in mismatch['shapes'][:3]))
    if problems:
        raise ConversionError(
            f'{in_file}: SELSA\'s backbone ({_depth(taken)}) does not fit '
            f'{config}\'s ({_depth(needed)}): ' + '; '.join(problems))

    left = {p: sum(k.startswith(p) for k in expected) for p in LEFT_TO_INIT}
    meta = dict(
        converted_from=osp.basename(in_file),
        source=f'SELSA ({source} keys)',
        config=config,
        taken=[p.rstrip('.') for p in TAKEN],
        left_to_init=[p.rstrip('.') for p in LEFT_TO_INIT])
    classes = _mmtrack2mmhvr().class_names(ckpt.get('meta') or {})
    if classes is not None:
        meta['dataset_meta'] = dict(classes=classes)
    return dict(state_dict={k: v.contiguous() for k, v in taken.items()},
                meta=meta), left


def main(argv: Optional[Sequence[str]] = None) -> int:
    from mmhvr.apis.outputs import check_writable
    from mmhvr.engine.atomic_backend import atomic_write

    args = parse_args(argv)
    if osp.exists(args.output) and not args.force:
        print(f'error: {args.output} exists; give --force to replace it',
              file=sys.stderr)
        return 1
    try:
        check_writable(args.output, 'OUT', ('.pth', ))
        out, left = convert(args.input, args.config)
    except (ConversionError, ValueError) as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    buffer = io.BytesIO()
    torch.save(out, buffer)
    atomic_write(buffer.getvalue(), args.output)
    print(f'{args.input} ({out["meta"]["source"]}) -> {args.output}')
    print(f'taken from SELSA: backbone ({len(out["state_dict"])} tensors)')
    for prefix, why in LEFT_TO_INIT.items():
        print(f'left to the config\'s init: {prefix.rstrip(".")} '
              f'({left[prefix]} tensors): {why}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
