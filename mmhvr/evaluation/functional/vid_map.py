"""ImageNet VID mAP with the small-object rule and the motion breakdown."""
from collections import defaultdict
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmdet.evaluation.functional import average_precision

MOTION_RANGES = dict(slow=(0.9, np.inf), medium=(0.7, 0.9),
                     fast=(-np.inf, 0.7))


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU (n, m) of xyxy boxes a (n, 4), b (m, 4); w = x2 - x1 (no +1)."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.clip(rb - lt, 0, None).prod(-1)
    area_a = (a[:, 2:] - a[:, :2]).clip(0).prod(-1)
    area_b = (b[:, 2:] - b[:, :2]).clip(0).prod(-1)
    return inter / np.maximum(area_a[:, None] + area_b[None] - inter, 1e-12)


def _thresholds(gt: np.ndarray) -> np.ndarray:
    """Per ground truth: min(0.5, w*h / ((w+10)*(h+10)))."""
    w = gt[:, 2] - gt[:, 0]
    h = gt[:, 3] - gt[:, 1]
    return np.minimum(0.5, w * h / ((w + 10) * (h + 10)))


def _check(items: Sequence[dict], name: str, fields: Sequence[str]) -> None:
    for i, item in enumerate(items):
        for f in fields:
            if f not in item:
                raise ValueError(f'{name}[{i}] has no field {f!r}')
        boxes = np.asarray(item['bboxes'])
        if boxes.size and (boxes.ndim != 2 or boxes.shape[1] != 4):
            raise ValueError(f'{name}[{i}]["bboxes"] must be (n, 4), got '
                             f'shape {boxes.shape}')
        for f in fields[1:]:
            if len(np.asarray(item[f]).reshape(-1)) != len(
                    boxes.reshape(-1, 4)):
                raise ValueError(
                    f'{name}[{i}]["{f}"] has {len(np.asarray(item[f]))} '
                    f'entries for {len(boxes.reshape(-1, 4))} boxes')


def motion_ious(annotations: Sequence[dict], frame_range: int = 10
                ) -> List[np.ndarray]:
    """Per ground truth, the mean IoU with the same instance in frames
    t-range..t+range other than t (1.0 when seen in no such frame)."""
    index = defaultdict(dict)  # (video, instance) -> frame -> box
    for ann in annotations:
        for box, inst in zip(np.asarray(ann['bboxes']).reshape(-1, 4),
                             np.asarray(ann['instance_ids']).reshape(-1)):
            index[(ann['video_id'], int(inst))][ann['frame_id']] = box
    out = []
    for ann in annotations:
        values = []
        for box, inst in zip(np.asarray(ann['bboxes']).reshape(-1, 4),
                             np.asarray(ann['instance_ids']).reshape(-1)):
            track = index[(ann['video_id'], int(inst))]
            t = ann['frame_id']
            others = [track[f] for f in range(t - frame_range,
                                              t + frame_range + 1)
                      if f != t and f in track]
            values.append(
                _iou(box[None], np.stack(others))[0].mean() if others else
                1.0)
        out.append(np.asarray(values, dtype=np.float64))
    return out


def _class_ap(dets: List[np.ndarray], det_scores: List[np.ndarray],
              gts: List[np.ndarray], gt_valid: List[np.ndarray]) -> float:
    """AP of one class over frames; ``gt_valid`` False = ignored GT."""
    num_gt = int(sum(v.sum() for v in gt_valid))
    if num_gt == 0:
        return np.nan
    frame_of = np.concatenate(
        [np.full(len(s), i) for i, s in enumerate(det_scores)]) \
        if det_scores else np.zeros(0, int)
    scores = np.concatenate(det_scores) if det_scores else np.zeros(0)
    order = np.argsort(-scores, kind='stable')
    ious = [_iou(d, g) for d, g in zip(dets, gts)]
    thrs = [_thresholds(g) for g in gts]
    taken = [np.zeros(len(g), bool) for g in gts]
    row = np.zeros(len(frame_of), int)
    counts = defaultdict(int)
    for i, f in enumerate(frame_of):
        row[i] = counts[f]
        counts[f] += 1
    tp, fp = [], []
    for k in order:
        f, r = frame_of[k], row[k]
        if len(gts[f]) == 0:
            tp.append(0)
            fp.append(1)
            continue
        iou = ious[f][r]
        ok = (iou >= thrs[f]) & ~taken[f]
        if not ok.any():
            tp.append(0)
            fp.append(1)
            continue
        j = int(np.argmax(np.where(ok, iou, -1)))
        taken[f][j] = True
        if gt_valid[f][j]:
            tp.append(1)
            fp.append(0)
        else:  # matched an ignored ground truth: neither TP nor FP
            tp.append(0)
            fp.append(0)
    tp = np.cumsum(tp)
    fp = np.cumsum(fp)
    recalls = tp / num_gt
    precisions = tp / np.maximum(tp + fp, np.finfo(np.float64).eps)
    return float(average_precision(recalls, precisions, mode='area'))


def eval_vid_map(det_results: Sequence[dict],
                 annotations: Sequence[dict],
                 num_classes: Optional[int] = None,
                 motion_frame_range: int = 10) -> Dict[str, object]:
    """ImageNet VID mAP@0.5 (VOC area AP; a small ground truth of w x h is
    matched at IoU >= min(0.5, w*h/((w+10)*(h+10)))).

    Args:
        det_results (list[dict]): per frame ``bboxes (k, 4)`` xyxy,
            ``scores (k,)``, ``labels (k,)`` (0-based).
        annotations (list[dict]): per frame, same order: ``bboxes (n, 4)``,
            ``labels (n,)``; with ``instance_ids (n,)``, ``video_id`` and
            ``frame_id`` in every frame the motion breakdown is computed
            (FGFA: slow > 0.9, medium 0.7-0.9, fast < 0.7 motion IoU).
        num_classes (int, optional): defaults to 1 + the largest label.

    Returns:
        dict: ``mAP`` and ``AP`` (num_classes,) with NaN for classes without
        ground truth; with motion, ``mAP_slow``/``mAP_medium``/``mAP_fast``
        and ``AP_slow``/... .
    """
    if len(det_results) != len(annotations):
        raise ValueError(f'{len(det_results)} detection results for '
                         f'{len(annotations)} annotated frames')
    _check(annotations, 'annotations', ('bboxes', 'labels'))
    _check(det_results, 'det_results', ('bboxes', 'scores', 'labels'))
    to_np = [{k: np.asarray(v) for k, v in d.items()} for d in det_results]
    gts = [{k: np.asarray(v) if k in ('bboxes', 'labels', 'instance_ids')
            else v for k, v in a.items()} for a in annotations]
    if num_classes is None:
        labels = [a['labels'].reshape(-1) for a in gts] + \
            [d['labels'].reshape(-1) for d in to_np]
        labels = np.concatenate(labels) if labels else np.zeros(0)
        num_classes = int(labels.max()) + 1 if labels.size else 0

    def per_class(valid_of):
        aps = np.full(num_classes, np.nan)
        for c in range(num_classes):
            dets, scores, gboxes, valid = [], [], [], []
            for f, (d, a) in enumerate(zip(to_np, gts)):
                dm = d['labels'].reshape(-1) == c
                gm = a['labels'].reshape(-1) == c
                dets.append(d['bboxes'].reshape(-1, 4)[dm])
                scores.append(d['scores'].reshape(-1)[dm])
                gboxes.append(a['bboxes'].reshape(-1, 4)[gm])
                valid.append(valid_of(f)[gm])
            aps[c] = _class_ap(dets, scores, gboxes, valid)
        return aps

    ap = per_class(lambda f: np.ones(len(gts[f]['labels'].reshape(-1)),
                                     bool))
    result: Dict[str, object] = dict(mAP=_nanmean(ap), AP=ap)
    has_motion = len(gts) > 0 and all(
        'instance_ids' in a and 'video_id' in a and 'frame_id' in a
        for a in gts)
    if has_motion:
        motion = motion_ious(gts, motion_frame_range)
        for speed, (lo, hi) in MOTION_RANGES.items():
            if speed == 'medium':
                keep = [(m >= lo) & (m <= hi) for m in motion]
            else:
                keep = [(m > lo) & (m < hi) for m in motion]
            aps = per_class(lambda f: keep[f])
            result[f'AP_{speed}'] = aps
            result[f'mAP_{speed}'] = _nanmean(aps)
    return result


def _nanmean(values: np.ndarray) -> float:
    values = values[~np.isnan(values)]
    return float(values.mean()) if values.size else float('nan')
