"""Build a cross-video support bank for HVR-Net's inter-video relation.

Runs the detector over key frames of the training videos, labels each
proposal by its ground truth (IoU >= ``--iou-thr``: the box's class; below
0.3: background) and keeps, per class and for the background, at most
``--per-class`` RoI features spread over the videos. Test with it::

    python tools/analysis_tools/build_support_bank.py CONFIG CKPT --out bank.pth
    python tools/test.py CONFIG CKPT --eval bbox \\
        --cfg-options model.test_cfg.support_bank.file=bank.pth

The bank stores RoIAlign features (not embeddings), so it stays valid for
other weights of the same architecture and classes. Everything is checked
before the model runs (a checkpoint whose weights do not fit the config is
refused, an existing ``--out`` is kept unless ``--force``); a problem is
one ``error:`` line and exit status 1.
"""
import argparse
import copy
import os
import os.path as osp
import random
import sys

import numpy as np
import torch

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('checkpoint')
    parser.add_argument('--out', required=True, help='bank file (.pth)')
    parser.add_argument('--force', action='store_true',
                        help='replace an existing --out file')
    parser.add_argument('--per-class', type=int, default=64,
                        help='RoIs kept per class and for the background')
    parser.add_argument('--frames-per-video', type=int, default=3,
                        help='key frames drawn per training video')
    parser.add_argument('--per-frame', type=int, default=4,
                        help='RoIs per class taken from one frame at most')
    parser.add_argument('--iou-thr', type=float, default=0.5)
    parser.add_argument('--max-videos', type=int, default=None)
    parser.add_argument('--seed', type=int, default=0)
    return parser.parse_args(argv)


def check_args(args) -> None:
    """Every argument checked before a model is built: ``ValueError``
    naming the option and its value."""
    for name in ('per_class', 'frames_per_video', 'per_frame'):
        if getattr(args, name) < 1:
            raise ValueError(f'--{name.replace("_", "-")} must be >= 1, got '
                             f'{getattr(args, name)}')
    if not 0 < args.iou_thr <= 1:
        raise ValueError(f'--iou-thr must be in (0, 1], got {args.iou_thr}')
    for name in ('config', 'checkpoint'):
        if not osp.isfile(getattr(args, name)):
            raise ValueError(f'{name} {getattr(args, name)} does not exist')
    from mmhvr.apis.outputs import check_out_folder
    if osp.splitext(args.out)[1] != '.pth':
        raise ValueError(f'--out {args.out}: the bank is a .pth file')
    # (no folder: args.out is neither a folder nor an existing file)
    if osp.isdir(args.out):
        raise ValueError(f'--out {args.out} is a folder; give a file name')
    if osp.exists(args.out) and not args.force:
        raise ValueError(f'--out {args.out} exists; it is kept (give --force'
                         ' to replace it)')
    check_out_folder(args.out, '--out')


def _find(pipeline: list, name: str):
    for t in pipeline:
        if t.get('type') == name:
            return t
        found = _find(t.get('transforms', []), name)
        if found is not None:
            return found
    return None


def bank_dataset(cfg):
    """The training videos with a key-frame-only test-style pipeline."""
    from mmhvr.registry import DATASETS
    resize = _find(cfg.test_dataloader.dataset.pipeline, 'Resize')
    if resize is None:
        raise ValueError(f'{cfg.filename}: the test pipeline has no Resize')
    ds_cfg = copy.deepcopy(cfg.train_dataloader.dataset)
    while 'dataset' in ds_cfg:  # RepeatDataset and similar wrappers
        ds_cfg = ds_cfg['dataset']
    ds_cfg.pipeline = [
        dict(type='VideoKeySupportSample', num_support=0),
        dict(type='TransformBroadcaster', share_random_params=True,
             transforms=[
                 dict(type='LoadImageFromFile'),
                 dict(type='LoadTrackAnnotations'),
                 copy.deepcopy(resize)
             ]),
        dict(type='PackVideoInputs')
    ]
    return DATASETS.build(ds_cfg)


@torch.no_grad()
def frame_rois(model, item, iou_thr: float, per_frame: int, rng):
    """RoI features and labels of one key frame's proposals."""
    from mmdet.structures.bbox import bbox2roi, bbox_overlaps
    from mmengine.dataset import pseudo_collate
    data = model.data_preprocessor(pseudo_collate([item]), False)
    frame = data['data_samples'][0].video_data_samples[0]
    x = model.extract_feat(data['inputs'][0][:1])
    proposals = model.propose(x, [frame])[0].bboxes
    gt = frame.gt_instances
    gt_boxes = gt.bboxes.tensor if hasattr(gt.bboxes, 'tensor') else \
        gt.bboxes
    num_classes = model.roi_head.bbox_head.num_classes
    labels = torch.full((len(proposals), ), -1, dtype=torch.long)
    if len(gt_boxes):
        iou = bbox_overlaps(proposals, gt_boxes.to(proposals))
        best, arg = iou.max(1)
        labels[best >= iou_thr] = gt.labels[arg[best >= iou_thr]]
        labels[best < 0.3] = num_classes
    else:
        labels[:] = num_classes
    keep = []
    for c in labels.unique().tolist():
        if c < 0:
            continue
        idx = torch.nonzero(labels == c).flatten().tolist()
        keep += rng.sample(idx, min(per_frame, len(idx)))
    if not keep:
        return None, None
    keep = torch.tensor(sorted(keep))
    feats = model.roi_head.roi_features(x, bbox2roi([proposals[keep]]))
    return feats.cpu(), labels[keep]


def main(argv=None) -> int:
    from mmhvr.apis.outputs import error
    args = parse_args(argv)
    try:
        check_args(args)
    except ValueError as e:
        return error(e)
    from mmengine.config import Config
    from mmengine.utils import ProgressBar
    from terminaltables import AsciiTable

    from mmhvr.apis import init_detector
    from mmhvr.models.roi_heads import SupportBank
    from mmhvr.utils import register_all_modules
    register_all_modules(init_default_scope=True)

    from mmhvr.apis.runner_utils import check_data_paths, read_config
    try:
        cfg = read_config(args.config)
        check_data_paths(cfg, ('train_dataloader', ))
        cfg.model.test_cfg.support_bank = None  # the bank being built
        # refuses a checkpoint whose weights do not fit the config's model
        model = init_detector(cfg, args.checkpoint)
    except (ValueError, RuntimeError, FileNotFoundError) as e:
        return error(e)
    classes = tuple(model.dataset_meta['classes'])
    num_classes = len(classes)
    dataset = bank_dataset(cfg)
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    rng = random.Random(args.seed)
    videos = list(range(len(dataset)))
    if args.max_videos is not None:
        videos = sorted(rng.sample(videos, min(args.max_videos,
                                               len(videos))))
    pool = {c: [] for c in range(num_classes + 1)}
    bar = ProgressBar(len(videos) * args.frames_per_video)
    for _ in range(args.frames_per_video):
        for v in videos:
            feats, labels = frame_rois(model, dataset[v], args.iou_thr,
                                       args.per_frame, rng)
            if feats is not None:
                for f, c in zip(feats, labels.tolist()):
                    pool[c].append(f)
            bar.update()
    sys.stdout.write('\n')
    feats, labels, rows = [], [], [['class', 'RoIs in the bank',
                                    'candidates']]
    for c, items in pool.items():
        chosen = rng.sample(items, min(args.per_class, len(items)))
        feats += chosen
        labels += [c] * len(chosen)
        rows.append([classes[c] if c < num_classes else 'background',
                     len(chosen), len(items)])
    missing = [classes[c] for c in range(num_classes) if not pool[c]]
    if not feats:
        return error(f'no proposal of {args.config} matched any training '
                     'box: no bank written')
    bank = SupportBank(torch.stack(feats), torch.tensor(labels), classes)
    # written beside the target and renamed over it: a good bank is never
    # left half-replaced
    tmp = f'{args.out}.{os.getpid()}.tmp'
    try:
        bank.save(tmp, config=osp.abspath(args.config),
                  checkpoint=osp.abspath(args.checkpoint),
                  per_class=args.per_class, iou_thr=args.iou_thr,
                  seed=args.seed)
        os.replace(tmp, args.out)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    print(AsciiTable(rows, title='support bank').table)
    if missing:
        print(f'WARNING: no RoI of {missing} in the bank', file=sys.stderr)
    print(f'support bank of {len(bank)} RoIs written to {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
