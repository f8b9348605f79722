"""Class confusion of a video detector: which class each object is called."""
from typing import Dict, Optional, Sequence

import numpy as np

from .vid_map import _check, _iou


def eval_vid_confusion(det_results: Sequence[dict],
                       annotations: Sequence[dict],
                       num_classes: Optional[int] = None,
                       score_thr: float = 0.5,
                       iou_thr: float = 0.5) -> Dict[str, np.ndarray]:
    """Which class the confident detections on each ground truth carry.

    Same inputs as :func:`eval_vid_map`. A detection *covers* a ground-truth
    box when its score is >= ``score_thr`` and its IoU with the box is >=
    ``iou_thr`` (w = x2 - x1); detections are not matched one-to-one.

    Returns:
        dict: ``matrix`` int (C, C+1): row = ground-truth class, column =
        label of the highest-scoring covering detection, C when none covers
        it; ``double_rate`` float (C,): per class, the fraction of its
        ground-truth boxes covered both by a detection of their own class and
        by one of another class (NaN for a class without ground truth).
    """
    if len(det_results) != len(annotations):
        raise ValueError(f'{len(det_results)} detection results for '
                         f'{len(annotations)} annotated frames')
    _check(annotations, 'annotations', ('bboxes', 'labels'))
    _check(det_results, 'det_results', ('bboxes', 'scores', 'labels'))
    dets = [{k: np.asarray(d[k]) for k in ('bboxes', 'scores', 'labels')}
            for d in det_results]
    gts = [{k: np.asarray(a[k]) for k in ('bboxes', 'labels')}
           for a in annotations]
    if num_classes is None:
        labels = [g['labels'].reshape(-1) for g in gts] + \
            [d['labels'].reshape(-1) for d in dets]
        labels = np.concatenate(labels) if labels else np.zeros(0, int)
        num_classes = int(labels.max()) + 1 if labels.size else 0
    matrix = np.zeros((num_classes, num_classes + 1), dtype=np.int64)
    num_gt = np.zeros(num_classes, dtype=np.int64)
    doubles = np.zeros(num_classes, dtype=np.int64)
    for det, gt in zip(dets, gts):
        gt_labels = gt['labels'].reshape(-1).astype(int)
        if gt_labels.size == 0:
            continue
        if gt_labels.max() >= num_classes or gt_labels.min() < 0:
            raise ValueError(f'ground-truth label out of range [0, '
                             f'{num_classes}): {gt_labels.tolist()}')
        keep = det['scores'].reshape(-1) >= score_thr
        boxes = det['bboxes'].reshape(-1, 4)[keep]
        scores = det['scores'].reshape(-1)[keep]
        labels = det['labels'].reshape(-1)[keep].astype(int)
        covers = _iou(gt['bboxes'].reshape(-1, 4), boxes) >= iou_thr
        for j, c in enumerate(gt_labels):
            num_gt[c] += 1
            hit = covers[j]
            if not hit.any():
                matrix[c, num_classes] += 1
                continue
            matrix[c, labels[hit][np.argmax(scores[hit])]] += 1
            if (labels[hit] == c).any() and (labels[hit] != c).any():
                doubles[c] += 1
    with np.errstate(invalid='ignore', divide='ignore'):
        double_rate = np.where(num_gt > 0, doubles / np.maximum(num_gt, 1),
                               np.nan)
    return dict(matrix=matrix, double_rate=double_rate)
