"""The ImageNet VID metric for mmengine's evaluator."""
import json
import os.path as osp
from typing import Dict, List, Optional, Sequence

import numpy as np
from mmdet.evaluation.metrics.base_video_metric import \
    collect_tracking_results
from mmengine.dist import broadcast_object_list, is_main_process
from mmengine.evaluator import BaseMetric
from mmengine.fileio import dump as dump_pickle
from mmengine.logging import MMLogger
from terminaltables import AsciiTable

from mmhvr.registry import METRICS
from ..functional import eval_vid_confusion, eval_vid_map


@METRICS.register_module()
class VIDMetric(BaseMetric):
    """ImageNet VID mAP@0.5 (+ slow/medium/fast) over key-frame predictions,
    as the devkit and FGFA's motion evaluator compute them
    (:func:`~mmhvr.evaluation.eval_vid_map`: widths ``x2 - x1 + 1``, the
    small-object threshold, inclusive motion bins, FGFA's false-positive
    weighting; a class without ground truth is NaN, logged as null).

    ``process`` takes the key frames' ``DetDataSample``s returned by
    ``HVRDetector.predict``: ``pred_instances`` in original coordinates and
    the raw annotations in metainfo ``instances``. Videos are sharded over
    ranks in unequal chunks, so results are gathered whole (not with
    mmengine's zip-and-truncate collection), deduplicated by image id and
    sorted by (video, frame).

    Args:
        metric (str): only ``'bbox'``.
        motion (bool): compute the slow/medium/fast breakdown.
        motion_frame_range (int): frames each side for the motion IoU
            (10: the range of FGFA's motion IoU file).
        classwise (bool): log a per-class AP table.
        outfile_prefix (str, optional): dump per-frame detections to
            ``{outfile_prefix}.bbox.json``.
        out_file_path (str, optional): pickle the per-frame detections
            (``tools/test.py --out``); unlike mmdet's ``DumpDetResults``,
            every frame is kept (the dataset's length counts videos).
        confusion (bool): also compute :func:`eval_vid_confusion`: log the
            confusion matrix and return ``double_rate`` (mean over classes
            with ground truth) and ``double_rate_<class>``.
        confusion_score_thr (float): score threshold of the confusion.
        confusion_iou_thr (float): IoU threshold of the confusion.
    """
    default_prefix: Optional[str] = 'vid'

    def __init__(self,
                 metric: str = 'bbox',
                 motion: bool = True,
                 motion_frame_range: int = 10,
                 classwise: bool = True,
                 outfile_prefix: Optional[str] = None,
                 out_file_path: Optional[str] = None,
                 confusion: bool = False,
                 confusion_score_thr: float = 0.5,
                 confusion_iou_thr: float = 0.5,
                 collect_device: str = 'cpu',
                 prefix: Optional[str] = None) -> None:
        super().__init__(collect_device=collect_device, prefix=prefix)
        if metric != 'bbox':
            raise KeyError(f"VIDMetric supports metric='bbox', got {metric}")
        self.motion = motion
        self.motion_frame_range = motion_frame_range
        self.classwise = classwise
        self.outfile_prefix = outfile_prefix
        self.out_file_path = out_file_path
        self.confusion = confusion
        self.confusion_score_thr = confusion_score_thr
        self.confusion_iou_thr = confusion_iou_thr

    def process(self, data_batch: dict, data_samples: Sequence) -> None:
        for sample in data_samples:
            if not isinstance(sample, dict):
                sample = sample.to_dict()
            pred = sample['pred_instances']
            instances = sample.get('instances', [])
            instances = [i for i in instances if not i.get('ignore_flag', 0)]
            self.results.append(
                dict(img_id=sample.get('img_id'),
                     video_id=sample.get('video_id', 0),
                     frame_id=sample.get('frame_id', 0),
                     det=dict(
                         bboxes=_np(pred['bboxes']).reshape(-1, 4),
                         scores=_np(pred['scores']).reshape(-1),
                         labels=_np(pred['labels']).reshape(-1)),
                     gt=dict(
                         bboxes=np.array([i['bbox'] for i in instances],
                                         dtype=np.float64).reshape(-1, 4),
                         labels=np.array([i['bbox_label']
                                          for i in instances], dtype=int),
                         instance_ids=np.array(
                             [i.get('instance_id', k)
                              for k, i in enumerate(instances)], dtype=int))))

    def evaluate(self, size: int = 1) -> dict:
        results = collect_tracking_results(self.results, self.collect_device)
        if is_main_process():
            # NaN (no ground truth in a speed group or class) becomes None:
            # the metrics JSON mmengine writes holds null, valid JSON
            metrics = [self._prefixed(
                _nan_to_none(self.compute_metrics(results)))]
        else:
            metrics = [None]
        broadcast_object_list(metrics)
        self.results.clear()
        return metrics[0]

    def _prefixed(self, metrics: dict) -> dict:
        if self.prefix:
            return {f'{self.prefix}/{k}': v for k, v in metrics.items()}
        return metrics

    def compute_metrics(self, results: List[dict]) -> Dict[str, float]:
        unique = {}
        for r in results:
            unique.setdefault((r['video_id'], r['frame_id'], r['img_id']), r)
        frames = [unique[k] for k in sorted(unique, key=_sort_key)]
        classes = (self.dataset_meta or {}).get('classes')
        num_classes = len(classes) if classes else None
        annotations = []
        for r in frames:
            ann = dict(r['gt'])
            if self.motion:
                ann.update(video_id=r['video_id'], frame_id=r['frame_id'])
            else:
                ann.pop('instance_ids')
            annotations.append(ann)
        out = eval_vid_map([r['det'] for r in frames], annotations,
                           num_classes=num_classes,
                           motion_frame_range=self.motion_frame_range)
        if self.outfile_prefix:
            self._dump(frames, classes)
        if self.out_file_path:
            dump_pickle([
                dict(img_id=r['img_id'], video_id=r['video_id'],
                     frame_id=r['frame_id'], pred_instances=r['det'])
                for r in frames
            ], self.out_file_path)
            MMLogger.get_current_instance().info(
                f'predictions written to {osp.abspath(self.out_file_path)}')
        names = list(classes) if classes else [
            str(c) for c in range(len(out['AP']))
        ]
        metrics = {k: float(v) for k, v in out.items() if k.startswith('mAP')}
        if self.classwise:
            self._log_table(out, classes)
            metrics.update(
                {f'AP_{n}': float(ap) for n, ap in zip(names, out['AP'])})
        if self.confusion:
            conf = eval_vid_confusion(
                [r['det'] for r in frames], annotations,
                num_classes=len(out['AP']),
                score_thr=self.confusion_score_thr,
                iou_thr=self.confusion_iou_thr)
            self._log_confusion(conf, names)
            rates = conf['double_rate']
            metrics['double_rate'] = float(np.nanmean(rates)) \
                if (~np.isnan(rates)).any() else float('nan')
            metrics.update(
                {f'double_rate_{n}': float(r) for n, r in zip(names, rates)})
        return metrics

    def _log_confusion(self, conf: dict, names: List[str]) -> None:
        rows = [['gt \\ detected'] + names + ['none', 'double']]
        for c, name in enumerate(names):
            rows.append([name] + [str(v) for v in conf['matrix'][c]] +
                        [_fmt(conf['double_rate'][c])])
        MMLogger.get_current_instance().info('\n' + AsciiTable(
            rows,
            title=f'confusion (score >= {self.confusion_score_thr}, IoU >= '
            f'{self.confusion_iou_thr})').table)

    def _log_table(self, out: dict, classes) -> None:
        speeds = [s for s in ('slow', 'medium', 'fast') if f'AP_{s}' in out]
        rows = [['class', 'AP'] + [f'AP_{s}' for s in speeds]]
        for c, ap in enumerate(out['AP']):
            name = classes[c] if classes else str(c)
            rows.append([name, _fmt(ap)] +
                        [_fmt(out[f'AP_{s}'][c]) for s in speeds])
        rows.append(['mAP', _fmt(out['mAP'])] +
                    [_fmt(out[f'mAP_{s}']) for s in speeds])
        MMLogger.get_current_instance().info(
            '\n' + AsciiTable(rows, title='ImageNet VID AP@0.5').table)

    def _dump(self, frames: List[dict], classes) -> None:
        path = f'{self.outfile_prefix}.bbox.json'
        with open(path, 'w') as f:
            json.dump([
                dict(img_id=_py(r['img_id']), video_id=_py(r['video_id']),
                     frame_id=_py(r['frame_id']),
                     bboxes=r['det']['bboxes'].tolist(),
                     scores=r['det']['scores'].tolist(),
                     labels=r['det']['labels'].tolist()) for r in frames
            ], f)
        MMLogger.get_current_instance().info(
            f'detections written to {osp.abspath(path)}')


def _np(x) -> np.ndarray:
    return x.detach().cpu().numpy() if hasattr(x, 'detach') else \
        np.asarray(x)


def _py(x):
    return x.item() if hasattr(x, 'item') else x


def _sort_key(key):
    return tuple(str(k) if not isinstance(k, (int, np.integer)) else k
                 for k in key)


def _nan_to_none(metrics: dict) -> dict:
    return {k: None if isinstance(v, (float, np.floating)) and np.isnan(v)
            else v for k, v in metrics.items()}


def _fmt(v) -> str:
    return 'nan' if v is None or np.isnan(v) else f'{v:.3f}'
