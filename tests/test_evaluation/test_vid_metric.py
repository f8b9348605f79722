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
