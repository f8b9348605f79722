"""Class confusion of dumped detections (``tools/test.py --out``).

For every ground-truth box of the config's test set, the class of the
highest-scoring confident detection on it (``eval_vid_confusion``)::

    python tools/test.py CONFIG CKPT --eval bbox --out dets.pkl
    python tools/analysis_tools/confusion_matrix.py CONFIG dets.pkl --out confusion.png
"""
import argparse
import os.path as osp
import pickle
import sys

import numpy as np

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(
    osp.abspath(__file__)))))


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('config')
    parser.add_argument('dets', help='pickle written by tools/test.py --out')
    parser.add_argument('--ann-file', help="annotations (default: the "
                        "config's test set)")
    parser.add_argument('--score-thr', type=float, default=0.5)
    parser.add_argument('--iou-thr', type=float, default=0.5)
    parser.add_argument('--out', default='confusion_matrix.png',
                        help='PNG of the row-normalised matrix')
    return parser.parse_args(argv)


def check_args(args) -> str:
    """Every path checked before the detections are read: ``ValueError``
    naming the option and the path. Returns the annotation file."""
    from mmhvr.apis.outputs import check_out_folder
    if osp.splitext(args.out)[1].lower() != '.png':
        raise ValueError(f'--out {args.out}: a .png file')
    check_out_folder(args.out, '--out')
    for name in ('config', 'dets'):
        if not osp.isfile(getattr(args, name)):
            raise ValueError(f'{name} {getattr(args, name)} does not exist')
    if args.ann_file:
        if not osp.isfile(args.ann_file):
            raise ValueError(f'--ann-file {args.ann_file} does not exist')
        return args.ann_file
    ann_file = ann_file_of(args.config)
    if not osp.isfile(ann_file):
        raise ValueError(f'the test annotations of {args.config}, '
                         f'{ann_file}, do not exist: give --ann-file')
    return ann_file


def ann_file_of(config: str) -> str:
    """The annotation file of ``config``'s test set (data root joined)."""
    from mmhvr.apis.runner_utils import read_config
    ds = read_config(config).test_dataloader.dataset
    while 'dataset' in ds:
        ds = ds.dataset
    return osp.join(ds.get('data_root', ''), ds.ann_file)


def plot(matrix: np.ndarray, classes, title: str, out: str) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    rows = matrix / np.maximum(matrix.sum(1, keepdims=True), 1)
    cols = list(classes) + ['none']
    fig, ax = plt.subplots(figsize=(1.2 + 0.7 * len(cols),
                                    1.2 + 0.6 * len(classes)))
    ax.imshow(rows, cmap='Blues', vmin=0, vmax=1)
    for i in range(rows.shape[0]):
        for j in range(rows.shape[1]):
            ax.text(j, i, f'{matrix[i, j]}', ha='center', va='center',
                    color='white' if rows[i, j] > 0.5 else 'black',
                    fontsize=8)
    ax.set_xticks(range(len(cols)), cols, rotation=45, ha='right')
    ax.set_yticks(range(len(classes)), classes)
    ax.set_xlabel('detected as')
    ax.set_ylabel('ground truth')
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    plt.close(fig)


def main(argv=None) -> int:
    from mmhvr.apis.outputs import error
    args = parse_args(argv)
    try:
        ann_file = check_args(args)
    except ValueError as e:
        return error(e)
    from terminaltables import AsciiTable

    from mmhvr.evaluation import (eval_vid_confusion, load_cocovid_gt,
                                  match_dumped_detections)
    try:
        classes, gt = load_cocovid_gt(ann_file)
    except Exception as e:  # not JSON, not CocoVID...
        return error(f'cannot read annotations {ann_file}: '
                     f'{type(e).__name__}: {e}')
    try:
        with open(args.dets, 'rb') as f:
            dets = pickle.load(f)
    except Exception as e:
        return error(f'cannot read detections {args.dets}: {e}')
    try:
        det_results, annotations = match_dumped_detections(
            dets, gt, args.dets)
    except ValueError as e:
        return error(f'{e} (annotations: {ann_file})')
    out = eval_vid_confusion(det_results, annotations,
                             num_classes=len(classes),
                             score_thr=args.score_thr, iou_thr=args.iou_thr)
    title = (f'confusion (score >= {args.score_thr}, IoU >= '
             f'{args.iou_thr}), {len(det_results)} frames')
    rows = [['gt \\ detected'] + classes + ['none', 'double rate']]
    for c, name in enumerate(classes):
        rate = out['double_rate'][c]
        rows.append([name] + [str(v) for v in out['matrix'][c]] +
                    ['nan' if np.isnan(rate) else f'{rate:.3f}'])
    print(AsciiTable(rows, title=title).table)
    plot(out['matrix'], classes, title, args.out)
    print(f'written {args.out}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
