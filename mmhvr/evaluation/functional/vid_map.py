"""ImageNet VID mAP as the devkit computes it, with FGFA's motion breakdown.

The reference is the official devkit's ``eval_vid_detection.m`` through its
public Python port (msracver/Flow-Guided-Feature-Aggregation, commit
f01243e23a2e2be0a91d0a5a927433686305a054, ``lib/dataset/imagenet_vid_eval.py``)
and, for slow/medium/fast, that repository's ``imagenet_vid_eval_motion.py``
(the only public definition). ``tests/fixtures/vid_eval`` holds inputs and
the port's outputs; ``tests/test_evaluation/test_vid_map_port.py`` checks
that this module gives the same numbers.

Conventions (the devkit's):

- Boxes are pixel-inclusive: a box's width is ``x2 - x1 + 1`` in the IoU,
  the union and the small-object threshold, so ``xmin == xmax`` is a 1-px
  object, not an empty one. Two boxes overlap only if ``min(x2) - max(x1)
  + 1 > 0`` (and the same in y).
- A ground truth of w x h is matched at IoU >= ``min(0.5, w*h / ((w+10) *
  (h+10)))``.
- Per frame, detections (highest score first) take the unmatched ground
  truth of their class with the highest IoU above its threshold (the first
  one on an IoU tie); the others are false positives. AP is the VOC area
  under the precision envelope, over all frames ranked by score.
"""
from collections import defaultdict
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np

# FGFA's motion bins, both ends inclusive: a motion IoU of exactly 0.7 or
# 0.9 belongs to two bins (imagenet_vid.py, motion_ranges)
MOTION_BINS: Dict[str, Tuple[float, float]] = dict(
    slow=(0.9, 1.0), medium=(0.7, 0.9), fast=(0.0, 0.7))
# the devkit's small-object rule: min(DEFAULT_IOU, wh / ((w+T)(h+T)))
DEFAULT_IOU_THR = 0.5
PIXEL_TOLERANCE = 10
# the motion IoU FGFA's .mat gives a frame without any ground truth (its
# reader turns the frame's empty 1x0 cell into one value 0)
EMPTY_FRAME_MOTION_IOU = 0.0


def devkit_iou(dets: np.ndarray, gts: np.ndarray) -> np.ndarray:
    """IoU (k, n) of xyxy boxes ``dets`` (k, 4) and ``gts`` (n, 4) with
    pixel-inclusive widths (``x2 - x1 + 1``); 0 where they do not overlap
    (``iw <= 0`` or ``ih <= 0``), as the devkit."""
    dets = np.asarray(dets, np.float64).reshape(-1, 4)
    gts = np.asarray(gts, np.float64).reshape(-1, 4)
    iw = np.minimum(dets[:, None, 2], gts[None, :, 2]) - \
        np.maximum(dets[:, None, 0], gts[None, :, 0]) + 1
    ih = np.minimum(dets[:, None, 3], gts[None, :, 3]) - \
        np.maximum(dets[:, None, 1], gts[None, :, 1]) + 1
    overlap = (iw > 0) & (ih > 0)
    inter = np.where(overlap, iw * ih, 0.0)
    area_d = (dets[:, 2] - dets[:, 0] + 1) * (dets[:, 3] - dets[:, 1] + 1)
    area_g = (gts[:, 2] - gts[:, 0] + 1) * (gts[:, 3] - gts[:, 1] + 1)
    union = area_d[:, None] + area_g[None, :] - inter
    return np.where(overlap, inter / np.where(overlap, union, 1.0), 0.0)


def small_object_thresholds(gts: np.ndarray) -> np.ndarray:
    """Per ground truth (n, 4) xyxy: ``min(0.5, w*h / ((w+10)*(h+10)))``
    with ``w = x2 - x1 + 1``, ``h = y2 - y1 + 1``; shape (n,)."""
    gts = np.asarray(gts, np.float64).reshape(-1, 4)
    w = gts[:, 2] - gts[:, 0] + 1
    h = gts[:, 3] - gts[:, 1] + 1
    return np.minimum(DEFAULT_IOU_THR, w * h / ((w + PIXEL_TOLERANCE) *
                                                (h + PIXEL_TOLERANCE)))


def _iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU (n, m) of xyxy boxes a (n, 4), b (m, 4) with continuous widths
    ``x2 - x1`` (the motion IoU, the confusion); 0 for an empty union."""
    if len(a) == 0 or len(b) == 0:
        return np.zeros((len(a), len(b)))
    lt = np.maximum(a[:, None, :2], b[None, :, :2])
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])
    inter = np.clip(rb - lt, 0, None).prod(-1)
    area_a = (a[:, 2:] - a[:, :2]).clip(0).prod(-1)
    area_b = (b[:, 2:] - b[:, :2]).clip(0).prod(-1)
    return inter / np.maximum(area_a[:, None] + area_b[None] - inter, 1e-12)


def motion_ious(annotations: Sequence[dict],
                frame_range: int = 10) -> List[np.ndarray]:
    """Per frame, the motion IoU (n,) of each ground truth: its mean IoU
    with the same instance (``video_id``, ``instance_ids``) in the frames
    ``t - frame_range .. t + frame_range`` other than ``t``.

    The conventions of the ``.mat`` file FGFA and MEGA ship
    (``imagenet_vid_groundtruth_motion_iou.mat``), read off its values
    (``tests/fixtures/vid_eval/README.md``): the frame itself is excluded and
    the range is +-10 (the values of tracks with zero overlap are exactly
    1e-10 / k with k up to 20 = 2 x 10 other frames); a ground truth seen
    in no other frame of the range is 1.0 (slow). Whether the file's
    per-pair IoU counts ``+ 1`` pixels cannot be read off it without the
    VID annotations; this one keeps continuous widths ``x2 - x1`` (as
    before issue 18; a zero-width box has IoU 0), unlike the matching.
    """
    index = defaultdict(dict)  # (video, instance) -> frame -> box
    for ann in annotations:
        for box, inst in zip(np.asarray(ann['bboxes'], np.float64).reshape(
                -1, 4), np.asarray(ann['instance_ids']).reshape(-1)):
            index[(ann['video_id'], int(inst))][ann['frame_id']] = box
    out = []
    for ann in annotations:
        values = []
        t = ann['frame_id']
        for box, inst in zip(np.asarray(ann['bboxes'], np.float64).reshape(
                -1, 4), np.asarray(ann['instance_ids']).reshape(-1)):
            track = index[(ann['video_id'], int(inst))]
            others = [track[f] for f in range(t - frame_range,
                                              t + frame_range + 1)
                      if f != t and f in track]
            values.append(_iou(box[None], np.stack(others))[0].mean()
                          if others else 1.0)
        out.append(np.asarray(values, dtype=np.float64))
    return out


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


def _match_frame(boxes: np.ndarray, labels: np.ndarray, gts: np.ndarray,
                 gt_labels: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Greedy devkit matching of one frame's detections, already ranked.

    Returns the IoU (k, n) with every ground truth of the frame (any class)
    and, per detection, the index of the ground truth it took (-1: none).
    """
    ious = devkit_iou(boxes, gts)
    matched = np.full(len(boxes), -1)
    if len(gts) == 0 or len(boxes) == 0:
        return ious, matched
    thr = small_object_thresholds(gts)
    cand = (ious > 0) & (ious >= thr[None]) & \
        (labels[:, None] == gt_labels[None])
    taken = np.zeros(len(gts), bool)
    for j in np.flatnonzero(cand.any(1)):
        ok = cand[j] & ~taken
        if ok.any():
            k = int(np.argmax(np.where(ok, ious[j], -np.inf)))
            taken[k] = True
            matched[j] = k
    return ious, matched


def _fp_weights(ious: np.ndarray, matched: np.ndarray, in_bin: np.ndarray,
                empty_weight: float) -> np.ndarray:
    """FGFA's false-positive weight (k,) of one frame's detections within a
    motion bin (``in_bin`` (n,): the frame's ground truths in the bin).

    A matched detection weighs 0 (a true positive, or a match of a ground
    truth of another bin). An unmatched one weighs 1 if its highest IoU with
    a ground truth of the bin (any class) exceeds its highest with one
    outside, 0 if lower; on a tie (e.g. it overlaps nothing) the share of
    the frame's ground truths outside the bin, and in a frame without
    ground truth ``empty_weight``.
    """
    fp = np.zeros(len(matched))
    free = matched < 0
    if ious.shape[1] == 0:
        fp[free] = empty_weight
        return fp
    out = ~in_bin
    ov_out = np.where(out[None], ious, -1.0).max(1)
    ov_in = np.where(in_bin[None], ious, -1.0).max(1)
    tie = out.mean()
    w = np.where(ov_in > ov_out, 1.0, np.where(ov_out > ov_in, 0.0, tie))
    fp[free] = w[free]
    return fp


def voc_area_ap(recalls: np.ndarray, precisions: np.ndarray) -> float:
    """VOC all-point AP of one ranking (recalls, precisions (k,)): the area
    under the precision envelope, in float64 (mmdet's
    ``average_precision(mode='area')`` is the same sum in float32)."""
    mrec = np.concatenate([[0.0], recalls, [1.0]])
    mpre = np.maximum.accumulate(
        np.concatenate([[0.0], precisions, [0.0]])[::-1])[::-1]
    i = np.flatnonzero(mrec[1:] != mrec[:-1])
    return float(np.sum((mrec[i + 1] - mrec[i]) * mpre[i + 1]))


def _class_aps(scores: np.ndarray, labels: np.ndarray, tp: np.ndarray,
               fp: np.ndarray, npos: np.ndarray) -> np.ndarray:
    """Per class c < len(npos): VOC area AP of the detections of label c
    ranked by score (stable: ties keep their order); NaN if npos[c] == 0."""
    num_classes = len(npos)
    keep = (labels >= 0) & (labels < num_classes)
    scores, labels, tp, fp = scores[keep], labels[keep], tp[keep], fp[keep]
    order = np.lexsort((-scores, labels))  # by class, then score, stable
    labels, tp, fp = labels[order], tp[order], fp[order]
    bounds = np.searchsorted(labels, np.arange(num_classes + 1))
    aps = np.full(num_classes, np.nan)
    for c in range(num_classes):
        if npos[c] <= 0:
            continue
        tpc = np.cumsum(tp[bounds[c]:bounds[c + 1]])
        fpc = np.cumsum(fp[bounds[c]:bounds[c + 1]])
        recalls = tpc / npos[c]
        precisions = tpc / np.maximum(tpc + fpc, np.finfo(np.float64).eps)
        aps[c] = voc_area_ap(recalls, precisions)
    return aps


def eval_vid_map(det_results: Sequence[dict],
                 annotations: Sequence[dict],
                 num_classes: Optional[int] = None,
                 motion_frame_range: int = 10) -> Dict[str, object]:
    """ImageNet VID mAP@0.5 as the devkit (see the module docstring), with
    FGFA's slow/medium/fast breakdown.

    Args:
        det_results (list[dict]): per frame ``bboxes (k, 4)`` xyxy (the
            annotation's pixel coordinates), ``scores (k,)``, ``labels (k,)``
            (0-based).
        annotations (list[dict]): per frame, same order: ``bboxes (n, 4)``
            xyxy as in the XML (``xmax`` included), ``labels (n,)``; with
            ``instance_ids (n,)``, ``video_id`` and ``frame_id`` in every
            frame the motion breakdown is computed.
        num_classes (int, optional): defaults to 1 + the largest label.
        motion_frame_range (int): frames each side for :func:`motion_ious`.

    Returns:
        dict: ``mAP`` and ``AP`` (num_classes,); with motion also
        ``mAP_slow``/``mAP_medium``/``mAP_fast`` and ``AP_slow``/... .

    A class without ground truth (in a bin: without ground truth in that
    bin) has AP NaN and is left out of the mean. The devkit's port gives
    such a class 0 when it has no detection and NaN (which makes the mean
    NaN) when it has some; its motion evaluator gives -1 and leaves it out
    of the mean, as here. On ImageNet VID val every class has ground truth.

    Motion (FGFA's ``vid_eval_motion``, bins :data:`MOTION_BINS` inclusive):
    within a bin the ground truths of other bins are still matched (a match
    is neither TP nor FP), and an unmatched detection is weighted by
    :func:`_fp_weights`; the weight in a frame without ground truth is the
    share of the dataset's motion IoUs inside the bin, each frame without
    ground truth counting one IoU of 0 (:data:`EMPTY_FRAME_MOTION_IOU`), as
    FGFA's reader does with its shipped file. Deliberate differences from
    the port: on equal scores the ranking keeps the input order (frame
    order, then the frame's detection order) where the port's quicksort
    leaves it unspecified; area ranges are not implemented (FGFA's
    all-area range drops a detection of negative area, which here is a
    false positive, as in the port's plain evaluator).
    """
    if len(det_results) != len(annotations):
        raise ValueError(f'{len(det_results)} detection results for '
                         f'{len(annotations)} annotated frames')
    _check(annotations, 'annotations', ('bboxes', 'labels'))
    _check(det_results, 'det_results', ('bboxes', 'scores', 'labels'))
    dets = [dict(bboxes=np.asarray(d['bboxes'], np.float64).reshape(-1, 4),
                 scores=np.asarray(d['scores'], np.float64).reshape(-1),
                 labels=np.asarray(d['labels']).reshape(-1).astype(int))
            for d in det_results]
    gts = [dict({k: v for k, v in a.items()},
                bboxes=np.asarray(a['bboxes'], np.float64).reshape(-1, 4),
                labels=np.asarray(a['labels']).reshape(-1).astype(int))
           for a in annotations]
    if num_classes is None:
        labels = [a['labels'] for a in gts] + [d['labels'] for d in dets]
        labels = np.concatenate(labels) if labels else np.zeros(0)
        num_classes = int(labels.max()) + 1 if labels.size else 0
    has_motion = len(gts) > 0 and all(
        'instance_ids' in a and 'video_id' in a and 'frame_id' in a
        for a in gts)
    bins: Dict[str, List[np.ndarray]] = {}
    empty_weight: Dict[str, float] = {}
    if has_motion:
        motion = motion_ious(gts, motion_frame_range)
        num_empty = sum(len(m) == 0 for m in motion)
        every = np.concatenate(
            [m for m in motion] +
            [np.full(num_empty, EMPTY_FRAME_MOTION_IOU)])
        for speed, (lo, hi) in MOTION_BINS.items():
            bins[speed] = [(m >= lo) & (m <= hi) for m in motion]
            empty_weight[speed] = float(((every >= lo) & (every <= hi)).mean()
                                        ) if every.size else 0.0

    # per detection, frame by frame in ranked order; tp/fp per bin
    scores, labels = [], []
    tp, fp = defaultdict(list), defaultdict(list)  # key 'all' or a bin
    for f, (d, a) in enumerate(zip(dets, gts)):
        order = np.argsort(-d['scores'], kind='stable')
        d_labels = d['labels'][order]
        ious, matched = _match_frame(d['bboxes'][order], d_labels,
                                     a['bboxes'], a['labels'])
        scores.append(d['scores'][order])
        labels.append(d_labels)
        hit = matched >= 0
        tp['all'].append(hit.astype(np.float64))
        fp['all'].append((~hit).astype(np.float64))
        for speed in bins:
            in_bin = bins[speed][f]
            tp_bin = np.zeros(len(matched))
            tp_bin[hit] = in_bin[matched[hit]]  # a match of another bin: 0
            tp[speed].append(tp_bin)
            fp[speed].append(_fp_weights(ious, matched, in_bin,
                                         empty_weight[speed]))

    def cat(x):
        return np.concatenate(x) if x else np.zeros(0)

    scores, labels = cat(scores), cat(labels).astype(int)
    gt_labels = cat([a['labels'] for a in gts]).astype(int)
    npos = np.bincount(gt_labels[(gt_labels >= 0) &
                                 (gt_labels < num_classes)],
                       minlength=num_classes)[:num_classes]
    ap = _class_aps(scores, labels, cat(tp['all']), cat(fp['all']), npos)
    result: Dict[str, object] = dict(mAP=_nanmean(ap), AP=ap)
    for speed in bins:
        in_bin = cat(bins[speed]).astype(bool)
        npos_bin = np.bincount(
            gt_labels[in_bin & (gt_labels >= 0) & (gt_labels < num_classes)],
            minlength=num_classes)[:num_classes]
        aps = _class_aps(scores, labels, cat(tp[speed]), cat(fp[speed]),
                         npos_bin)
        result[f'AP_{speed}'] = aps
        result[f'mAP_{speed}'] = _nanmean(aps)
    return result


def _nanmean(values: np.ndarray) -> float:
    values = values[~np.isnan(values)]
    return float(values.mean()) if values.size else float('nan')
