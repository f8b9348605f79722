"""Ground truth of a CocoVID annotation file in ``eval_vid_map``'s format."""
import json
from typing import Dict, List, Optional, Sequence, Tuple

import numpy as np


def load_cocovid_gt(ann_file: str,
                    classes: Optional[Sequence[str]] = None,
                    min_size: float = 0.0,
                    with_frame_info: bool = False
                    ) -> Tuple[List[str], Dict[int, dict]]:
    """Read a CocoVID JSON: the one ground-truth reader of the tools.

    Crowd (``iscrowd``) and ignored (``ignore``) boxes are always dropped.

    Args:
        ann_file (str): the CocoVID JSON.
        classes (Sequence[str], optional): label order; boxes of other
            categories are dropped. Default: the file's categories in their
            order.
        min_size (float): drop boxes narrower or lower than this (the
            datasets drop ``w < 1 or h < 1``); 0 keeps every box.
        with_frame_info (bool): also give each frame ``instance_ids (n, )``
            (``instance_id``, else the annotation id), ``video_id``,
            ``frame_id`` (what ``eval_vid_map``'s motion breakdown needs) and
            ``file_name``.

    Returns:
        tuple: the class names and, per image id, ``dict(bboxes (n, 4)
        xyxy float64, labels (n, ) 0-based int)`` (plus the frame info).
    """
    try:
        with open(ann_file) as f:
            coco = json.load(f)
    except (OSError, ValueError) as e:
        raise ValueError(f'cannot read annotations {ann_file}: {e}') from e
    for key in ('categories', 'images', 'annotations'):
        if key not in coco:
            raise ValueError(f'{ann_file} has no {key!r}: not CocoVID')
    names = [c['name'] for c in coco['categories']]
    classes = list(names if classes is None else classes)
    unknown = [c for c in classes if c not in names]
    if unknown:
        raise ValueError(f'{ann_file}: classes {unknown} are not among its '
                         f'categories {names}')
    cat_label = {c['id']: classes.index(c['name'])
                 for c in coco['categories'] if c['name'] in classes}
    frames = {img['id']: ([], [], []) for img in coco['images']}
    for ann in coco['annotations']:
        x, y, w, h = ann['bbox']
        if ann.get('iscrowd') or ann.get('ignore') or w < min_size or \
                h < min_size or ann['category_id'] not in cat_label:
            continue
        boxes, labels, instances = frames[ann['image_id']]
        boxes.append([x, y, x + w, y + h])
        labels.append(cat_label[ann['category_id']])
        instances.append(ann.get('instance_id', ann['id']))
    gt = {}
    for img in coco['images']:
        boxes, labels, instances = frames[img['id']]
        frame = dict(
            bboxes=np.array(boxes, dtype=np.float64).reshape(-1, 4),
            labels=np.array(labels, dtype=int))
        if with_frame_info:
            frame.update(instance_ids=np.array(instances, dtype=int),
                         video_id=img.get('video_id', 0),
                         frame_id=img.get('frame_id', 0),
                         file_name=img['file_name'])
        gt[img['id']] = frame
    return classes, gt


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
