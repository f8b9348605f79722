"""Ground truth of a CocoVID annotation file in ``eval_vid_map``'s format."""
import json
from typing import Dict, List, Sequence, Tuple

import numpy as np


def load_cocovid_gt(ann_file: str) -> Tuple[List[str], Dict[int, dict]]:
    """Read a CocoVID JSON.

    Returns:
        tuple: the class names (category order) and, per image id,
        ``dict(bboxes (n, 4) xyxy, labels (n, ))`` with 0-based labels.
    """
    try:
        with open(ann_file) as f:
            coco = json.load(f)
    except (OSError, ValueError) as e:
        raise ValueError(f'cannot read annotations {ann_file}: {e}') from e
    for key in ('categories', 'images', 'annotations'):
        if key not in coco:
            raise ValueError(f'{ann_file} has no {key!r}: not CocoVID')
    cat_ids = [c['id'] for c in coco['categories']]
    classes = [c['name'] for c in coco['categories']]
    boxes = {img['id']: [] for img in coco['images']}
    labels = {img['id']: [] for img in coco['images']}
    for ann in coco['annotations']:
        if ann.get('iscrowd') or ann.get('ignore'):
            continue
        x, y, w, h = ann['bbox']
        boxes[ann['image_id']].append([x, y, x + w, y + h])
        labels[ann['image_id']].append(cat_ids.index(ann['category_id']))
    return classes, {
        i: dict(bboxes=np.array(boxes[i], dtype=np.float64).reshape(-1, 4),
                labels=np.array(labels[i], dtype=int))
        for i in boxes
    }


def match_dumped_detections(dets: Sequence[dict], gt: Dict[int, dict],
                            source: str = 'detections'
                            ) -> Tuple[List[dict], List[dict]]:
    """Pair ``tools/test.py --out`` records with their frames' ground truth.

    Raises when a frame of the annotation file has no detection record (a
    partial or mismatched dump) or a record names an unknown image.
    """
    det_ids = [d['img_id'] for d in dets]
    unknown = set(det_ids) - set(gt)
    if unknown:
        raise ValueError(f'{source}: {len(unknown)} records name images that '
                         f'are not in the annotations (e.g. '
                         f'{sorted(unknown)[:3]}); wrong annotation file?')
    missing = set(gt) - set(det_ids)
    if missing:
        raise ValueError(f'{source} misses {len(missing)} of {len(gt)} '
                         'annotated frames: a partial or stale dump?')
    det_results = [{k: np.asarray(v) for k, v in d['pred_instances'].items()}
                   for d in dets]
    return det_results, [gt[i] for i in det_ids]
