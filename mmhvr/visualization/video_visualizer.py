"""A visualizer for videos: mmdet's ``DetLocalVisualizer`` per frame, frames
side by side (a key frame with its supports, or two models on one frame)."""
from typing import List, Optional, Sequence

import cv2
import numpy as np
from mmdet.visualization import DetLocalVisualizer
from mmengine.structures import InstanceData

from mmhvr.registry import VISUALIZERS


@VISUALIZERS.register_module()
class VideoLocalVisualizer(DetLocalVisualizer):
    """mmdet's ``DetLocalVisualizer`` (so ``add_datasample`` on a key
    frame's ``DetDataSample`` works as in mmdet, for ``--show``/
    ``--show-dir`` and the demo) plus :meth:`draw_frames` for several
    frames in one image, each with a title bar.

    Registered in the ``mmhvr`` scope, so a config with
    ``default_scope='mmhvr'`` resolves it without a prefix.
    """

    def draw_frames(self,
                    images: Sequence[np.ndarray],
                    gt_instances: Optional[Sequence] = None,
                    pred_instances: Optional[Sequence] = None,
                    titles: Optional[Sequence[str]] = None,
                    pred_score_thr: float = 0.3,
                    scale: float = 1.0,
                    ncols: Optional[int] = None,
                    gt_color=(0, 255, 0)) -> np.ndarray:
        """Draw each RGB frame with its ground truth (green, or
        ``gt_color``) and predictions (mmdet's palette, scores at least
        ``pred_score_thr``), upscale it by ``scale`` (the boxes with it),
        add a title bar and tile the frames in a grid of ``ncols`` columns
        (all in one row by default).

        Args:
            images: RGB uint8 frames (h, w, 3); they may differ in size.
            gt_instances / pred_instances: per frame, an ``InstanceData`` or
                dict with ``bboxes`` (xyxy, frame coordinates), ``labels``
                (and ``scores`` for predictions), or None.
            titles: per frame, the text of its title bar.

        Returns:
            np.ndarray: the RGB grid image (uint8).
        """
        n = len(images)
        if n == 0:
            raise ValueError('draw_frames needs at least one frame')
        gt_instances = list(gt_instances or [None] * n)
        pred_instances = list(pred_instances or [None] * n)
        titles = list(titles or [''] * n)
        for name, seq in (('gt_instances', gt_instances),
                          ('pred_instances', pred_instances),
                          ('titles', titles)):
            if len(seq) != n:
                raise ValueError(f'{name} has {len(seq)} entries for {n} '
                                 'frames')
        classes = (self.dataset_meta or {}).get('classes')
        palette = (self.dataset_meta or {}).get('palette')
        tiles = []
        for img, gt, pred, title in zip(images, gt_instances, pred_instances,
                                        titles):
            img = np.ascontiguousarray(img)
            if scale != 1.0:
                img = cv2.resize(img, None, fx=scale, fy=scale,
                                 interpolation=cv2.INTER_NEAREST)
            if gt is not None and len(_as_instances(gt, scale)) > 0:
                img = self._draw_instances(
                    img, _as_instances(gt, scale), classes,
                    [tuple(gt_color)] * max(len(classes or []), 1))
            if pred is not None:
                pred = _as_instances(pred, scale)
                if 'scores' in pred:
                    pred = pred[pred.scores >= pred_score_thr]
                if len(pred) > 0:
                    img = self._draw_instances(img, pred, classes, palette)
            tiles.append(_with_title(img, title))
        return _grid(tiles, ncols or n)


def _as_instances(inst, scale: float = 1.0) -> InstanceData:
    if isinstance(inst, dict):
        inst = InstanceData(**{k: np.asarray(v) for k, v in inst.items()})
    out = inst.clone()
    bboxes = out.bboxes
    if hasattr(bboxes, 'detach'):
        bboxes = bboxes.detach().cpu().numpy()
    out.bboxes = np.asarray(bboxes, dtype=np.float32).reshape(-1, 4) * scale
    for key in ('labels', 'scores'):
        if key in out and hasattr(out.get(key), 'detach'):
            out.set_field(out.get(key).detach().cpu().numpy(), key)
    if 'labels' in out:
        out.labels = np.asarray(out.labels).astype(np.int64).reshape(-1)
    return out


def _with_title(img: np.ndarray, title: str) -> np.ndarray:
    if not title:
        return img
    h = max(18, img.shape[0] // 14)
    bar = np.zeros((h, img.shape[1], 3), np.uint8)
    font_scale = h / 40
    cv2.putText(bar, title, (4, int(h * 0.72)), cv2.FONT_HERSHEY_SIMPLEX,
                font_scale, (255, 255, 255), max(1, h // 16), cv2.LINE_AA)
    return np.concatenate([bar, img], axis=0)


def _grid(tiles: List[np.ndarray], ncols: int) -> np.ndarray:
    ncols = max(1, min(ncols, len(tiles)))
    h = max(t.shape[0] for t in tiles)
    w = max(t.shape[1] for t in tiles)
    rows = []
    for r in range(0, len(tiles), ncols):
        row = [np.pad(t, ((0, h - t.shape[0]), (0, w - t.shape[1]), (0, 0)))
               for t in tiles[r:r + ncols]]
        row += [np.zeros((h, w, 3), np.uint8)] * (ncols - len(row))
        rows.append(np.concatenate(row, axis=1))
    return np.concatenate(rows, axis=0)
