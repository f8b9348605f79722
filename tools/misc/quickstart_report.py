"""The quick start's closing report: stage 1 vs stage 2 in one table, a
figure and a side-by-side demo clip.

    python tools/misc/quickstart_report.py --config TEST_CONFIG \
        --ann-file VAL.json --img-root DATA_DIR \
        --stage1 TRAIN1_DIR TEST1_DIR DETS1.pkl \
        --stage2 TRAIN2_DIR TEST2_DIR DETS2.pkl \
        --out-dir OUT [--time 'step=SECONDS' ...]

Per-class AP comes from :func:`mmhvr.evaluation.eval_vid_map` on the
predictions ``tools/test.py --out`` pickled (the same function the test's
``VIDMetric`` runs); the confusion measure (``vid/double_rate*``) is read
from the test's metrics JSON when the metric wrote it. Writes
``OUT/quickstart_report.png`` (training curves of both stages and per-class
AP bars) and ``OUT/demo_side_by_side.mp4`` (one val video, ground truth in
green, stage 1 left, stage 2 right, upscaled and slowed down).
"""
import argparse
import glob
import json
import os
import os.path as osp
import pickle
import sys
from collections import defaultdict

import numpy as np

STAGES = ('stage 1', 'stage 2')


def load_gt(ann_file: str, classes) -> dict:
    """Per image id: its ground truth (xyxy boxes, labels in ``classes``
    order, instance ids) and frame info (``video_id``, ``frame_id``,
    ``file_name``), dropping crowd and degenerate (``w < 1 or h < 1``)
    boxes as the dataset does (:func:`mmhvr.evaluation.load_cocovid_gt`)."""
    from mmhvr.evaluation import load_cocovid_gt
    return load_cocovid_gt(ann_file, classes=classes, min_size=1,
                           with_frame_info=True)[1]


def load_dets(path: str):
    """Per image id: the predictions ``tools/test.py --out`` pickled."""
    with open(path, 'rb') as f:
        frames = pickle.load(f)
    out = {}
    for r in frames:
        det = r['pred_instances']
        out[r['img_id']] = {k: np.asarray(det[k]) for k in
                            ('bboxes', 'scores', 'labels')}
    return out


def stage_ap(dets, images, num_classes):
    from mmhvr.evaluation import eval_vid_map
    ids = sorted(dets, key=lambda i: (images[i]['video_id'],
                                      images[i]['frame_id']))
    annotations = [images[i] for i in ids]
    return eval_vid_map([dets[i] for i in ids], annotations,
                        num_classes=num_classes)


def load_metrics(test_dir: str) -> dict:
    """The newest metrics JSON tools/test.py wrote in ``test_dir``."""
    found = sorted(p for p in glob.glob(osp.join(test_dir, '*', '*.json')))
    if not found:
        raise FileNotFoundError(f'{test_dir}: no */*.json metrics file')
    with open(found[-1]) as f:
        return json.load(f)


def fmt(v) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return '-'
    return f'{v:.3f}'


def change(a, b) -> str:
    if a is None or b is None or np.isnan(a) or np.isnan(b):
        return ''
    return f'{b - a:+.3f}'


def comparison_table(classes, aps, metrics) -> str:
    """Stage 1 vs stage 2: per-class AP, mAP (+ speed groups) and, when the
    metric logged it, the confusion measure."""
    from terminaltables import AsciiTable
    rows = [['ImageNet VID AP@0.5', *STAGES, 'change']]
    for c, name in enumerate(classes):
        a, b = aps[0]['AP'][c], aps[1]['AP'][c]
        rows.append([name, fmt(a), fmt(b), change(a, b)])
    for key in ('mAP', 'mAP_slow', 'mAP_medium', 'mAP_fast'):
        if key in aps[0] and key in aps[1]:
            a, b = float(aps[0][key]), float(aps[1][key])
            rows.append([key, fmt(a), fmt(b), change(a, b)])
    prefix = 'vid/double_rate'
    if any(prefix in m for m in metrics):
        rows.append(['confusion: double rate (lower is better)', '', '', ''])
        keys = [prefix] + [f'{prefix}_{n}' for n in classes]
        for key in keys:
            if not any(key in m for m in metrics):
                continue
            a, b = (m.get(key) for m in metrics)
            name = 'mean' if key == prefix else key[len(prefix) + 1:]
            rows.append([f'  {name}', fmt(a), fmt(b),
                         change(a, b) if None not in (a, b) else ''])
    table = AsciiTable(rows, title='stage 1 vs stage 2 (toy val)')
    for col in (1, 2, 3):
        table.justify_columns[col] = 'right'
    return table.table


def write_summary(path: str, classes, aps, metrics, times) -> None:
    """The table's figures as JSON (NaN written as null): per stage the
    mAP and per-class AP recomputed from the predictions, the metrics the
    test logged, and the wall time of each step."""
    def clean(v):
        v = float(v)
        return None if np.isnan(v) else v

    out = dict(classes=list(classes), seconds=dict(times))
    for stage, ap, m in zip(('stage1', 'stage2'), aps, metrics):
        out[stage] = dict(
            mAP=clean(ap['mAP']),
            AP={c: clean(a) for c, a in zip(classes, ap['AP'])},
            logged={k: clean(v) if isinstance(v, (int, float)) else v
                    for k, v in m.items()})
    with open(path, 'w') as f:
        json.dump(out, f, indent=1, allow_nan=False)


def time_table(times) -> str:
    from terminaltables import AsciiTable
    rows = [['step', 'wall time']]
    total = 0
    for name, seconds in times:
        total += seconds
        rows.append([name, f'{seconds // 60:d} min {seconds % 60:02d} s'])
    rows.append(['total', f'{total // 60:d} min {total % 60:02d} s'])
    table = AsciiTable(rows, title='wall time')
    table.justify_columns[1] = 'right'
    return table.table


def write_figure(path, train_dirs, classes, aps) -> None:
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    from mmhvr.utils.log_analysis import load_scalars, loss_keys, plot_curves
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.5))
    for ax, work, stage in zip(axes[:2], train_dirs, STAGES):
        found = sorted(glob.glob(osp.join(work, '*', 'vis_data',
                                          'scalars.json')))
        ax.set_title(f'{stage}: training losses')
        if not found:
            ax.text(0.5, 0.5, 'no scalars.json', ha='center')
            continue
        log = load_scalars(found[-1])
        keys = loss_keys(log)
        if keys:
            plot_curves(ax, [log], keys, [''])
        else:
            ax.text(0.5, 0.5, 'no logged iterations', ha='center')
    x = np.arange(len(classes))
    ax = axes[2]
    for k, (ap, stage) in enumerate(zip(aps, STAGES)):
        values = np.nan_to_num(np.asarray(ap['AP'], float))
        ax.bar(x + (k - 0.5) * 0.4, values, 0.4, label=stage)
    ax.set_xticks(x, classes, rotation=20)
    ax.set_ylim(0, 1)
    ax.set_title('per-class AP@0.5 (toy val)')
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def write_clip(path, images, dets, img_root, classes, video_index=0,
               fps=3.0, height=480, score_thr=0.5) -> int:
    """Stage 1 | stage 2 on every frame of one val video, ground truth
    green, upscaled to about ``height`` pixels, at ``fps``; returns the
    number of frames written."""
    import cv2

    from mmhvr.visualization import VideoLocalVisualizer
    videos = defaultdict(list)
    for img_id, img in images.items():
        if all(img_id in d for d in dets):
            videos[img['video_id']].append(img_id)
    if not videos:
        raise ValueError('no val frame has predictions of both stages')
    vid = sorted(videos)[min(video_index, len(videos) - 1)]
    ids = sorted(videos[vid], key=lambda i: images[i]['frame_id'])
    vis = VideoLocalVisualizer(name=f'quickstart_report_{os.getpid()}')
    vis.dataset_meta = dict(classes=tuple(classes))
    writer = None
    for i in ids:
        info = images[i]
        frame = cv2.imread(osp.join(img_root, info['file_name']))
        if frame is None:
            raise FileNotFoundError(
                f'{osp.join(img_root, info["file_name"])}: cannot read')
        scale = max(1.0, round(height / frame.shape[0]))
        gt = dict(bboxes=info['bboxes'], labels=info['labels'])
        t = info['frame_id']
        grid = vis.draw_frames(
            [frame[..., ::-1]] * 2, gt_instances=[gt, gt],
            pred_instances=[d[i] for d in dets],
            titles=[f'{s}  frame {t}  (gt: green)' for s in STAGES],
            pred_score_thr=score_thr, scale=scale)
        out = np.ascontiguousarray(grid[..., ::-1])
        if writer is None:
            writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*'mp4v'),
                                     fps, (out.shape[1], out.shape[0]))
            if not writer.isOpened():
                raise RuntimeError(f'{path}: cannot write an mp4 here')
        writer.write(out)
    writer.release()
    return len(ids)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--config', required=True,
                        help='the test config (its class names)')
    parser.add_argument('--ann-file', required=True,
                        help='the val CocoVID JSON the tests ran on')
    parser.add_argument('--img-root', required=True,
                        help='the folder the JSON file_names start from')
    for s in (1, 2):
        parser.add_argument(f'--stage{s}', nargs=3, required=True,
                            metavar=('TRAIN_DIR', 'TEST_DIR', 'DETS_PKL'))
    parser.add_argument('--out-dir', required=True)
    parser.add_argument('--time', action='append', default=[],
                        metavar='STEP=SECONDS', help='a step\'s wall time')
    parser.add_argument('--fps', type=float, default=3.0)
    parser.add_argument('--score-thr', type=float, default=0.5)
    parser.add_argument('--video-index', type=int, default=0)
    return parser.parse_args(argv)


def check_inputs(args) -> None:
    """Every input exists and the output folder takes files, before any
    work: a ``ValueError`` naming the option and path."""
    from mmhvr.apis.outputs import check_writable
    for option, path in (('--config', args.config),
                         ('--ann-file', args.ann_file)):
        if not osp.isfile(path):
            raise ValueError(f'{option} {path} does not exist')
    if not osp.isdir(args.img_root):
        raise ValueError(f'--img-root {args.img_root} is not a folder')
    for s, (train_dir, test_dir, dets) in ((1, args.stage1),
                                           (2, args.stage2)):
        for what, path in (('TRAIN_DIR', train_dir), ('TEST_DIR', test_dir)):
            if not osp.isdir(path):
                raise ValueError(f'--stage{s} {what} {path} is not a folder')
        if not osp.isfile(dets):
            raise ValueError(f'--stage{s} DETS_PKL {dets} does not exist')
    check_writable(osp.join(args.out_dir, 'quickstart_summary.json'),
                   '--out-dir')


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        check_inputs(args)
    except ValueError as e:
        print(f'error: {e}', file=sys.stderr)
        return 1
    from mmengine.config import Config
    cfg = Config.fromfile(args.config)
    classes = list(cfg.test_dataloader.dataset.metainfo['classes'])
    images = load_gt(args.ann_file, classes)
    stages = (args.stage1, args.stage2)
    dets = [load_dets(s[2]) for s in stages]
    aps = [stage_ap(d, images, len(classes)) for d in dets]
    metrics = [load_metrics(s[1]) for s in stages]
    os.makedirs(args.out_dir, exist_ok=True)
    print(comparison_table(classes, aps, metrics))
    for ap, m, stage in zip(aps, metrics, STAGES):
        logged = m.get('vid/mAP')
        if logged is not None and abs(logged - float(ap['mAP'])) > 1e-4:
            print(f'note: {stage} mAP recomputed from the predictions is '
                  f'{float(ap["mAP"]):.4f}; the test logged {logged:.4f}')
    times = []
    for item in args.time:
        name, _, seconds = item.rpartition('=')
        times.append((name, int(float(seconds))))
    if times:
        print(time_table(times))
    summary = osp.join(args.out_dir, 'quickstart_summary.json')
    write_summary(summary, classes, aps, metrics, times)
    fig = osp.join(args.out_dir, 'quickstart_report.png')
    write_figure(fig, [s[0] for s in stages], classes, aps)
    clip = osp.join(args.out_dir, 'demo_side_by_side.mp4')
    n = write_clip(clip, images, dets, args.img_root, classes,
                   args.video_index, args.fps, score_thr=args.score_thr)
    print(f'figures as JSON: {summary}')
    print(f'figure (training curves, per-class AP): {fig}')
    print(f'demo clip (stage 1 | stage 2, {n} frames at {args.fps:g} fps): '
          f'{clip}')
    return 0


if __name__ == '__main__':
    sys.exit(main())
