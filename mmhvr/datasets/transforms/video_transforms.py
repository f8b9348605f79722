"""Geometric augmentation shared by every frame of a video."""
import random
from typing import List, Sequence

import numpy as np
from mmcv.transforms import BaseTransform
from mmdet.evaluation.functional import bbox_overlaps

from mmhvr.registry import TRANSFORMS

_PER_BOX_KEYS = ('gt_bboxes_labels', 'gt_ignore_flags', 'gt_instances_ids')


def _as_numpy(boxes) -> np.ndarray:
    """(n, 4) xyxy array of numpy boxes or mmdet box structures."""
    return boxes.numpy() if hasattr(boxes, 'numpy') else np.asarray(boxes)


@TRANSFORMS.register_module()
class VideoMinIoURandomCrop(BaseTransform):
    """SSD's min-IoU random crop, drawn once per video.

    mmdet's ``MinIoURandomCrop`` cannot share its draw through
    ``TransformBroadcaster`` (its cached random method runs in a retry
    loop), and frames cropped differently would not stack. This transform
    works on a video item (lists over frames): it draws one crop from the
    key frame's boxes (``key_frame_flags``, else the first frame) with
    mmdet's rule — every key box overlaps the patch with IoU >= the drawn
    minimum and at least one box centre lies inside — and applies it to
    every frame. Boxes whose centre leaves the patch are dropped together
    with their labels, ignore flags and instance ids; a frame left without
    boxes stays as a background-only frame.

    As in mmdet, the drawn mode is one of ``(1, *min_ious, 0)``: 1 means
    "no crop", 0 means "any patch that keeps a box centre".

    Args:
        min_ious (Sequence[float]): minimum IoUs to draw from.
        min_crop_size (float): minimum crop side, as a fraction of the
            image side.
        bbox_clip_border (bool): clip kept boxes to the patch.
        max_trials (int): patches tried per drawn mode before drawing a new
            mode.

    Required keys (lists over frames): ``img``, ``img_shape``; optional
    ``gt_bboxes``, ``gt_bboxes_labels``, ``gt_ignore_flags``,
    ``gt_instances_ids``, ``key_frame_flags``. Modified keys: the same.
    """

    def __init__(self,
                 min_ious: Sequence[float] = (0.1, 0.3, 0.5, 0.7, 0.9),
                 min_crop_size: float = 0.3,
                 bbox_clip_border: bool = True,
                 max_trials: int = 50) -> None:
        self.min_ious = tuple(min_ious)
        self.min_crop_size = min_crop_size
        self.bbox_clip_border = bbox_clip_border
        self.max_trials = max_trials

    def _draw_patch(self, boxes: np.ndarray, h: int, w: int):
        """A patch (x1, y1, x2, y2) for the key frame, or None (no crop)."""
        while True:
            mode = random.choice((1, ) + self.min_ious + (0, ))
            if mode == 1:
                return None
            for _ in range(self.max_trials):
                new_w = random.uniform(self.min_crop_size * w, w)
                new_h = random.uniform(self.min_crop_size * h, h)
                if new_h / new_w < 0.5 or new_h / new_w > 2:
                    continue
                left = random.uniform(0, w - new_w)
                top = random.uniform(0, h - new_h)
                patch = np.array(
                    [int(left), int(top), int(left + new_w),
                     int(top + new_h)])
                if patch[2] <= patch[0] or patch[3] <= patch[1]:
                    continue
                if len(boxes) == 0:
                    return patch
                ious = bbox_overlaps(
                    patch[None].astype(np.float32), boxes.astype(np.float32))
                if ious.min() < mode:
                    continue
                if self._centre_mask(boxes, patch).any():
                    return patch

    @staticmethod
    def _centre_mask(boxes: np.ndarray, patch: np.ndarray) -> np.ndarray:
        cx = (boxes[:, 0] + boxes[:, 2]) / 2
        cy = (boxes[:, 1] + boxes[:, 3]) / 2
        return (cx > patch[0]) & (cy > patch[1]) & (cx < patch[2]) & (
            cy < patch[3])

    def transform(self, results: dict) -> dict:
        """Draw one patch from the key frame, crop every frame with it."""
        flags = results.get('key_frame_flags')
        key = flags.index(True) if flags else 0
        img = results['img'][key]
        h, w = img.shape[:2]
        key_boxes = _as_numpy(results['gt_bboxes'][key]) \
            if 'gt_bboxes' in results else np.zeros((0, 4))
        patch = self._draw_patch(key_boxes, h, w)
        if patch is None:
            return results
        for i in range(len(results['img'])):
            self._crop_frame(results, i, patch)
        return results

    def _crop_frame(self, results: dict, i: int, patch: np.ndarray) -> None:
        fh, fw = results['img'][i].shape[:2]
        x1, y1 = min(patch[0], fw - 1), min(patch[1], fh - 1)
        x2, y2 = min(patch[2], fw), min(patch[3], fh)
        results['img'][i] = results['img'][i][y1:y2, x1:x2]
        results['img_shape'][i] = results['img'][i].shape[:2]
        if 'gt_bboxes' not in results:
            return
        boxes = results['gt_bboxes'][i]
        keep = self._centre_mask(_as_numpy(boxes),
                                 np.array([x1, y1, x2, y2]))
        boxes = boxes[keep]
        if isinstance(boxes, np.ndarray):
            boxes = boxes - np.array([x1, y1, x1, y1], boxes.dtype)
            if self.bbox_clip_border:
                boxes[:, 0::2] = boxes[:, 0::2].clip(0, x2 - x1)
                boxes[:, 1::2] = boxes[:, 1::2].clip(0, y2 - y1)
        else:  # mmdet box structures
            boxes.translate_([-x1, -y1])
            if self.bbox_clip_border:
                boxes.clip_([y2 - y1, x2 - x1])
        results['gt_bboxes'][i] = boxes
        for name in _PER_BOX_KEYS:
            if name in results:
                results[name][i] = results[name][i][keep]
