import pytest
import torch
from mmdet.structures import DetDataSample
from mmengine.structures import InstanceData

from mmhvr.registry import METRICS


def sample(img_id, frame_id, gt, pred):
    s = DetDataSample(metainfo=dict(
        img_id=img_id, video_id=3, frame_id=frame_id,
        instances=[dict(bbox=b, bbox_label=0, instance_id=1, ignore_flag=0)
                   for b in gt]))
    s.pred_instances = InstanceData(
        bboxes=torch.tensor(pred, dtype=torch.float32).view(-1, 4),
        scores=torch.full((len(pred), ), 0.9),
        labels=torch.zeros(len(pred), dtype=torch.long))
    return s


def test_metric_through_registry(tmp_path):
    metric = METRICS.build(dict(type='VIDMetric',
                                outfile_prefix=str(tmp_path / 'dets')))
    metric.dataset_meta = dict(classes=('a', 'b'))
    box = [0., 0., 30., 30.]
    samples = [sample(10, 0, [box], [box]), sample(11, 1, [box], []),
               sample(10, 0, [box], [box])]  # a duplicate item is dropped
    metric.process({}, [s.to_dict() for s in samples[:2]])
    metric.process({}, samples[2:])
    out = metric.evaluate(size=3)
    assert out['vid/mAP'] == 0.5
    assert out['vid/mAP_slow'] == 0.5
    assert (tmp_path / 'dets.bbox.json').exists()


def test_metric_logs_confusion_and_per_class_ap():
    metric = METRICS.build(dict(type='VIDMetric', confusion=True))
    metric.dataset_meta = dict(classes=('a', 'b'))
    box = [0., 0., 30., 30.]
    s0 = sample(10, 0, [box], [box, box])
    s0.pred_instances.labels = torch.tensor([0, 1])  # called a and b
    metric.process({}, [s0, sample(11, 1, [box], [box])])
    out = metric.evaluate(size=2)
    assert out['vid/AP_a'] == 1.0
    assert out['vid/double_rate_a'] == 0.5
    assert out['vid/double_rate'] == 0.5  # class b has no ground truth
    assert 'vid/double_rate_b' in out and out['vid/double_rate_b'] != 0.0


def video_samples(gts, preds):
    """Frames 0.. of video 3, one instance (id 1) of class 0 per ground
    truth box; ``preds``: per frame a list of (box, score)."""
    out = []
    for t, (gt, pred) in enumerate(zip(gts, preds)):
        s = DetDataSample(metainfo=dict(
            img_id=100 + t, video_id=3, frame_id=t,
            instances=[dict(bbox=b, bbox_label=0, instance_id=1,
                            ignore_flag=0) for b in gt]))
        s.pred_instances = InstanceData(
            bboxes=torch.tensor([b for b, _ in pred],
                                dtype=torch.float32).view(-1, 4),
            scores=torch.tensor([c for _, c in pred]),
            labels=torch.zeros(len(pred), dtype=torch.long))
        out.append(s)
    return out


def test_metric_measures_boxes_as_the_devkit():
    """Issue 18's example through the metric: GT (0,0,99,99), detection
    (0,0,99,49) has the devkit IoU 0.5 (widths x2 - x1 + 1): a hit."""
    metric = METRICS.build(dict(type='VIDMetric'))
    metric.dataset_meta = dict(classes=('a', ))
    metric.process({}, video_samples([[[0., 0., 99., 99.]]],
                                     [[([0., 0., 99., 49.], 0.9)]]))
    assert metric.evaluate(size=1)['vid/mAP'] == 1.0


def test_metric_motion_range_defaults_to_ten_frames():
    """One object at one place in frames 0-5, far away in 6-10: within the
    default +-10 frames every frame is fast (+-5 would make frame 0 slow);
    a false positive above 10 of 11 found frames."""
    gts = [[[0., 0., 40., 40.] if t <= 5 else [300., 0., 340., 40.]]
           for t in range(11)]
    preds = [[] if t == 0 else [(g[0], 0.9 - 0.01 * t)]
             for t, g in enumerate(gts)]
    preds[6].append(([150., 0., 190., 40.], 0.95))
    metric = METRICS.build(dict(type='VIDMetric'))
    metric.dataset_meta = dict(classes=('a', ))
    metric.process({}, video_samples(gts, preds))
    out = metric.evaluate(size=11)
    assert out['vid/mAP'] == pytest.approx((10 / 11)**2)
    assert out['vid/mAP_fast'] == pytest.approx((10 / 11)**2)
    assert out['vid/mAP_slow'] is None and out['vid/mAP_medium'] is None
