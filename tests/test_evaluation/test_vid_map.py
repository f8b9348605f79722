import numpy as np
import pytest

from mmhvr.evaluation import eval_vid_map


def frame(boxes, labels, **kw):
    return dict(bboxes=np.array(boxes, float).reshape(-1, 4),
                labels=np.array(labels, int), **kw)


def det(boxes, scores, labels):
    return dict(bboxes=np.array(boxes, float).reshape(-1, 4),
                scores=np.array(scores, float), labels=np.array(labels))


def test_perfect_detections():
    anns = [frame([[0, 0, 50, 50]], [0]), frame([[10, 10, 90, 60]], [1])]
    dets = [det([[0, 0, 50, 50]], [0.9], [0]),
            det([[10, 10, 90, 60]], [0.8], [1])]
    out = eval_vid_map(dets, anns)
    assert out['mAP'] == pytest.approx(1.0)


def test_class_without_gt_is_nan_and_excluded():
    anns = [frame([[0, 0, 50, 50]], [0])]
    dets = [det([[0, 0, 50, 50], [5, 5, 40, 40]], [0.9, 0.5], [0, 2])]
    out = eval_vid_map(dets, anns, num_classes=3)
    assert np.isnan(out['AP'][1]) and np.isnan(out['AP'][2])
    assert out['mAP'] == pytest.approx(1.0)


def test_false_positive_above_true_positive():
    # class 0, two GTs in two frames; ranked: FP (0.9), TP (0.8), TP (0.7)
    anns = [frame([[0, 0, 50, 50]], [0]), frame([[0, 0, 50, 50]], [0])]
    dets = [det([[100, 100, 150, 150], [0, 0, 50, 50]], [0.9, 0.8], [0, 0]),
            det([[0, 0, 50, 50]], [0.7], [0])]
    # precision/recall points: (p=0, r=0), (1/2, 1/2), (2/3, 1)
    # interpolated precision envelope: 2/3 on (0, 1]
    out = eval_vid_map(dets, anns)
    assert out['AP'][0] == pytest.approx(2 / 3)


def test_duplicates_are_false_positives():
    anns = [frame([[0, 0, 50, 50]], [0])]
    dets = [det([[0, 0, 50, 50], [1, 1, 50, 50]], [0.9, 0.8], [0, 0])]
    out = eval_vid_map(dets, anns)
    # TP then FP: recall reaches 1 at precision 1 -> AP 1; check the FP
    # matters when it comes first
    assert out['AP'][0] == pytest.approx(1.0)
    dets = [det([[0, 0, 50, 50], [1, 1, 50, 50]], [0.8, 0.9], [0, 0])]
    # the slightly shifted box (IoU 0.96) now takes the GT first: still 1
    assert eval_vid_map(dets, anns)['AP'][0] == pytest.approx(1.0)
    anns2 = [frame([[0, 0, 50, 50]], [0]), frame([[0, 0, 50, 50]], [0])]
    dets2 = [det([[0, 0, 50, 50], [1, 1, 50, 50]], [0.9, 0.85], [0, 0]),
             det([[0, 0, 50, 50]], [0.8], [0])]
    # TP, FP(duplicate), TP -> envelope 2/3 after r=1/2 -> AP = .5 + .5*2/3
    assert eval_vid_map(dets2, anns2)['AP'][0] == pytest.approx(
        0.5 + 0.5 * 2 / 3)


def test_small_object_threshold():
    # 10x10 GT: threshold 100/400 = 0.25; a 10x20 box over it has IoU 0.5
    # and a 10x25 box IoU 0.4
    small = [frame([[0, 0, 10, 10]], [0])]
    assert eval_vid_map([det([[0, 0, 10, 25]], [1.0], [0])],
                        small)['mAP'] == pytest.approx(1.0)
    # the same IoU 0.4 on a 100x100 GT (threshold 0.5) misses
    big = [frame([[0, 0, 100, 100]], [0])]
    assert eval_vid_map([det([[0, 0, 100, 250]], [1.0], [0])],
                        big)['mAP'] == pytest.approx(0.0)


def test_motion_buckets():
    # video 1, frames 0..2: instance 1 stays put (slow), instance 2 jumps
    # 30 px a frame (fast: IoU with neighbours < 0.7)
    anns = []
    for t in range(3):
        anns.append(frame([[0, 0, 40, 40], [100 + 30 * t, 0, 140 + 30 * t,
                                             40]], [0, 0],
                          instance_ids=np.array([1, 2]), video_id=1,
                          frame_id=t))
    # detect only the fast object, perfectly
    dets = [det([[100 + 30 * t, 0, 140 + 30 * t, 40]], [0.9], [0])
            for t in range(3)]
    out = eval_vid_map(dets, anns)
    assert out['mAP'] == pytest.approx(0.5)  # recall 1/2 at precision 1
    assert out['mAP_fast'] == pytest.approx(1.0)
    # in the slow bucket the fast detections hit ignored GTs: no FP, and the
    # slow GT is never found
    assert out['mAP_slow'] == pytest.approx(0.0)
    assert np.isnan(out['mAP_medium'])


def test_bad_input_names_the_field():
    anns = [frame([[0, 0, 1, 1]], [0])]
    with pytest.raises(ValueError, match='1 detection results for 2'):
        eval_vid_map([det([], [], [])], anns * 2)
    with pytest.raises(ValueError, match=r"det_results\[0\] has no field "
                       "'scores'"):
        eval_vid_map([dict(bboxes=np.zeros((0, 4)), labels=[])], anns)
    with pytest.raises(ValueError, match=r'annotations\[0\]\["labels"\]'):
        eval_vid_map([det([], [], [])],
                     [dict(bboxes=np.zeros((1, 4)), labels=[0, 1])])
