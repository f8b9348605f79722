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
    # 10x10 px GT (0..9): threshold 100/400 = 0.25; a 10x20 px box over it
    # has IoU 0.5, a 10x25 px box IoU 0.4
    small = [frame([[0, 0, 9, 9]], [0])]
    assert eval_vid_map([det([[0, 0, 9, 24]], [1.0], [0])],
                        small)['mAP'] == pytest.approx(1.0)
    # the same IoU 0.4 on a 100x100 px GT (threshold 0.5) misses
    big = [frame([[0, 0, 99, 99]], [0])]
    assert eval_vid_map([det([[0, 0, 99, 249]], [1.0], [0])],
                        big)['mAP'] == pytest.approx(0.0)


def test_motion_buckets():
    # video 1, frames 0..2: instance 1 stays put (slow), instance 2 jumps
    # 30 px a frame (fast: IoU with neighbours < 0.7)
    anns = []
    for t in range(3):
        fast = [100 + 30 * t, 0, 140 + 30 * t, 40]
        anns.append(frame([[0, 0, 40, 40], fast], [0, 0],
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


@pytest.mark.parametrize('gt,det,hit', [
    # issue 18: devkit IoU 50*100 / (100*100) = 0.5 exactly (it was 0.4949
    # with x2 - x1)
    ([0, 0, 99, 99], [0, 0, 99, 49], True),
    # issue 18: a 10x10 px GT, threshold 100/400 = 0.25; IoU 100/410 =
    # 0.2439 misses (with x2 - x1 it was 0.2250 over a threshold 0.2244)
    ([100, 100, 109, 109], [100, 100, 109, 140], False),
    ([100, 100, 109, 109], [100, 100, 109, 124], True),  # IoU 0.4
    ([100, 100, 109, 109], [100, 100, 109, 139], True),  # exactly 0.25
    ([100, 100, 109, 109], [100, 100, 139, 109], True),  # same, in x
    ([100, 100, 109, 109], [100, 100, 109, 139.5], False),  # 0.2469
    # 40x20 px GT: threshold 800/1500 capped at 0.5
    ([20, 30, 59, 49], [20, 30, 59, 69], True),  # IoU exactly 0.5
    ([20, 30, 59, 49], [20, 30, 59, 69.5], False),  # IoU 0.4938
    # a large ground truth keeps the VOC 0.5
    ([0, 0, 99, 99], [0, 0, 99, 159], True),  # IoU 0.625
    # xmin == xmax: a 1x31 px object (threshold 31/451 = 0.0687)
    ([50, 50, 50, 80], [50, 50, 50, 80], True),
    ([50, 50, 50, 80], [50, 50, 51, 90], True),  # IoU 31/82
    ([50, 50, 50, 80], [300, 50, 300, 80], False),  # 250 px away
    ([50, 50, 50, 80], [51, 50, 60, 80], False),  # touching: no overlap
])
def test_small_object_threshold_is_exact(gt, det, hit):
    """min(0.5, w*h / ((w+10)*(h+10))) with w = x2 - x1 + 1, h = y2 - y1 +
    1, matched with the devkit's IoU >= threshold (widths + 1 there too)."""
    out = eval_vid_map([dict(bboxes=np.array([det], float),
                             scores=np.array([0.9]), labels=np.array([0]))],
                       [frame([gt], [0])])
    assert out['mAP'] == pytest.approx(1.0 if hit else 0.0)


def test_devkit_iou_and_thresholds_by_hand():
    from mmhvr.evaluation.functional.vid_map import (devkit_iou,
                                                     small_object_thresholds)
    gt = np.array([[0, 0, 99, 99], [100, 100, 109, 109], [5, 5, 5, 5]],
                  float)
    dets = np.array([[0, 0, 99, 49], [100, 100, 109, 140], [5, 5, 5, 5]],
                    float)
    iou = devkit_iou(dets, gt)
    assert iou.shape == (3, 3)
    assert iou[0, 0] == 0.5 and iou[1, 1] == pytest.approx(100 / 410)
    assert iou[2, 2] == 1.0  # a 1-px box on itself
    assert iou[0, 1] == 0.0 and iou[2, 1] == 0.0  # disjoint
    assert small_object_thresholds(gt).tolist() == pytest.approx(
        [0.5, 0.25, 1 / 121])


def test_motion_iou_uses_frames_within_the_range_only():
    """An instance's motion IoU averages its IoU with the same instance in
    frames t-10..t+10 (not t itself, not t+-11); seen in no such frame, it
    is 1.0 (slow)."""
    from mmhvr.evaluation.functional.vid_map import motion_ious

    def ann(t, box):
        return frame([box], [0], instance_ids=np.array([7]), video_id=3,
                     frame_id=t)

    # frame 20: same box at 10 and 30 (IoU 1), a far box at 9 and 31
    anns = [ann(9, [500, 500, 540, 540]), ann(10, [0, 0, 40, 40]),
            ann(20, [0, 0, 40, 40]), ann(30, [0, 0, 40, 40]),
            ann(31, [500, 500, 540, 540]), ann(60, [0, 0, 40, 20])]
    m = motion_ious(anns)
    assert m[2].tolist() == [1.0]  # only frames 10 and 30 count
    assert m[0].tolist() == [0.0]  # frame 9 sees frame 10 (far): IoU 0
    assert m[5].tolist() == [1.0]  # alone: no neighbour within 10
    assert m[2].dtype == np.float64
    # another instance id or video is another track
    other = [ann(20, [0, 0, 40, 40]),
             frame([[0, 0, 40, 20]], [0], instance_ids=np.array([8]),
                   video_id=3, frame_id=21),
             frame([[0, 0, 40, 20]], [0], instance_ids=np.array([7]),
                   video_id=4, frame_id=21)]
    assert [v.tolist() for v in motion_ious(other)] == [[1.0]] * 3
    # the range is a parameter
    assert motion_ious(anns, frame_range=11)[2].tolist() == [0.5]


def test_motion_iou_default_range_is_ten_frames():
    """FGFA's .mat averages over +-10 frames (tracks with no overlap hold
    exactly 1e-10 / k, k up to 20 other frames): an object at one place in
    frames 0-5 and far away in 6-10 has, at frame 0, 5 IoUs of 1 and 5 of
    0 within +-10 (0.5); within +-5 it would be 1.0."""
    from mmhvr.evaluation.functional.vid_map import motion_ious
    anns = motion_frames([[[0, 0, 40, 40] if t <= 5 else [300, 0, 340, 40]]
                          for t in range(11)])
    m = motion_ious(anns)
    assert m[0].tolist() == [0.5] and m[10].tolist() == [0.4]
    assert motion_ious(anns, frame_range=5)[0].tolist() == [1.0]
    dets = [dict(bboxes=a['bboxes'], scores=np.array([0.9]),
                 labels=a['labels']) for a in anns]
    out = eval_vid_map(dets, anns)  # the default range of eval_vid_map
    assert out['mAP_fast'] == 1.0 and np.isnan(out['mAP_slow'])


def test_ties_in_score_keep_the_input_order():
    """Detections of equal score are ranked in input order (stable sort),
    so a result does not depend on the sorting algorithm: here every
    false positive comes before every true positive."""
    n = 40
    anns = [frame([[0, 0, 50, 50]] * 0, [])] + [
        frame([[0, 0, 50, 50]], [0]) for _ in range(n)]
    dets = [det([[200, 200, 250, 250]] * n, [0.5] * n, [0] * n)] + [
        det([[0, 0, 50, 50]], [0.5], [0]) for _ in range(n)]
    ap = eval_vid_map(dets, anns)['AP'][0]
    # PR points: n FPs (recall 0), then TPs up to precision 1/2 at recall 1
    assert ap == pytest.approx(0.5)


def test_false_positive_in_a_frame_without_ground_truth_counts_once():
    # ranked: TP (frame 0), FP (frame 2: no box of the class), TP (frame 1)
    anns = [frame([[0, 0, 50, 50]], [0]), frame([[0, 0, 50, 50]], [0]),
            frame([[0, 0, 50, 50]], [1])]
    dets = [det([[0, 0, 50, 50]], [0.9], [0]),
            det([[0, 0, 50, 50]], [0.7], [0]),
            det([[0, 0, 50, 50]], [0.8], [0])]
    assert eval_vid_map(dets, anns)['AP'][0] == pytest.approx(
        0.5 + 0.5 * 2 / 3)


def motion_frames(boxes_per_frame, video_id=1):
    """Frames t = 0.. of one video, instance i = the i-th box."""
    return [frame(boxes, [0] * len(boxes),
                  instance_ids=np.arange(len(boxes)), video_id=video_id,
                  frame_id=t) for t, boxes in enumerate(boxes_per_frame)]


def test_a_matched_ignored_ground_truth_is_not_a_false_positive():
    """In the slow bucket the fast object is ignored: a detection of it,
    ranked first, neither helps nor hurts the slow object's AP."""
    anns = motion_frames([[[0, 0, 40, 40],
                           [100 + 30 * t, 0, 140 + 30 * t, 40]]
                          for t in range(3)])
    dets = [det([[100 + 30 * t, 0, 140 + 30 * t, 40], [0, 0, 40, 40]],
                [0.9, 0.8], [0, 0]) for t in range(3)]
    out = eval_vid_map(dets, anns)
    assert out['mAP_slow'] == pytest.approx(1.0)
    assert out['mAP_fast'] == pytest.approx(1.0)


def edge_case():
    """Two-frame tracks (continuous-width motion IoU), one class each:
    class 0 moves a 19-wide box 1 px (IoU 18/20 = 0.9), class 1 a 17-wide
    box 3 px (14/20 = 0.7), class 2 a 33-wide box 7 px (26/40 = 0.65),
    class 3 a 24-wide box 1 px (23/25 = 0.92); perfect detections."""
    anns = motion_frames([[[t, 0, 19 + t, 10],
                           [100 + 3 * t, 0, 117 + 3 * t, 10],
                           [200 + 7 * t, 0, 233 + 7 * t, 10],
                           [300 + t, 0, 324 + t, 10]] for t in range(2)])
    for a in anns:
        a['labels'] = np.arange(4)
    dets = [dict(bboxes=a['bboxes'], scores=np.array([0.9, 0.8, 0.7, 0.6]),
                 labels=np.arange(4)) for a in anns]
    return dets, anns


def test_motion_bin_edges_are_inclusive():
    """FGFA's bins are closed: [0.9, 1] slow, [0.7, 0.9] medium, [0, 0.7]
    fast. A motion IoU of exactly 0.9 is slow and medium, exactly 0.7
    medium and fast; 0.65 only fast, 0.92 only slow (these two fail if an
    edge moves: 0.7 -> 0.6, 0.9 -> 0.95)."""
    from mmhvr.evaluation.functional.vid_map import MOTION_BINS, motion_ious
    dets, anns = edge_case()
    assert motion_ious(anns)[0].tolist() == [0.9, 0.7, 0.65, 0.92]
    assert MOTION_BINS == dict(slow=(0.9, 1.0), medium=(0.7, 0.9),
                               fast=(0.0, 0.7))
    out = eval_vid_map(dets, anns)

    def present(key):
        return (~np.isnan(out[key])).tolist()

    assert present('AP_slow') == [True, False, False, True]
    assert present('AP_medium') == [True, True, False, False]
    assert present('AP_fast') == [False, True, True, False]
    assert out['mAP_slow'] == out['mAP_medium'] == out['mAP_fast'] == 1.0


def test_motion_range_of_eval_vid_map():
    """An object seen at frames 0 and 11 only, far apart: with the default
    +-10 frames it has no neighbour (slow); with 11 it is fast."""
    anns = motion_frames([[[0, 0, 40, 40]]] + [[]] * 10 +
                         [[[200, 0, 240, 40]]])
    dets = [dict(bboxes=a['bboxes'], scores=np.full(len(a['labels']), 0.9),
                 labels=a['labels']) for a in anns]
    default = eval_vid_map(dets, anns)
    assert default['mAP_slow'] == pytest.approx(1.0)
    assert np.isnan(default['mAP_fast'])
    wide = eval_vid_map(dets, anns, motion_frame_range=11)
    assert wide['mAP_fast'] == pytest.approx(1.0)
    assert np.isnan(wide['mAP_slow'])


def test_motion_needs_every_field_and_works_on_one_frame():
    one = motion_frames([[[0, 0, 40, 40]]])
    out = eval_vid_map([det([[0, 0, 40, 40]], [0.9], [0])], one)
    assert out['mAP_slow'] == pytest.approx(1.0)  # alone: slow
    no_video = [{k: v for k, v in one[0].items() if k != 'video_id'}]
    assert 'mAP_slow' not in eval_vid_map(
        [det([[0, 0, 40, 40]], [0.9], [0])], no_video)


def test_plain_lists_and_class_count():
    """Lists work as arrays do; classes default to 1 + the largest label
    (detections included); no box at all: no class, mAP NaN."""
    anns = [dict(bboxes=[[0, 0, 50, 50]], labels=[1])]
    dets = [dict(bboxes=[[0, 0, 50, 50]], scores=[0.9], labels=[1])]
    out = eval_vid_map(dets, anns)
    assert out['mAP'] == pytest.approx(1.0) and len(out['AP']) == 2
    dets[0]['labels'] = [3]
    assert len(eval_vid_map(dets, anns)['AP']) == 4
    empty = eval_vid_map([dict(bboxes=np.zeros((0, 4)), scores=[],
                               labels=[])],
                         [dict(bboxes=np.zeros((0, 4)), labels=[])])
    assert empty['AP'].shape == (0, ) and np.isnan(empty['mAP'])


def test_boxes_that_do_not_overlap_never_match():
    # a 1x1 ground truth has a tiny threshold (1/121); a disjoint box of
    # the same size still has IoU 0
    small = [frame([[0, 0, 1, 1]], [0])]
    assert eval_vid_map([det([[5, 5, 6, 6]], [0.9], [0])],
                        small)['mAP'] == pytest.approx(0.0)


def test_no_frames_no_motion_and_bad_box_shapes_are_named():
    out = eval_vid_map([], [])
    assert np.isnan(out['mAP']) and 'mAP_slow' not in out
    with pytest.raises(ValueError, match=r'annotations\[0\]\["bboxes"\] '
                       r'must be \(n, 4\), got shape \(4,\)'):
        eval_vid_map([det([], [], [])], [dict(bboxes=np.zeros(4),
                                              labels=[0])])
    with pytest.raises(ValueError, match=r'got shape \(1, 5\)'):
        eval_vid_map([det([], [], [])], [dict(bboxes=np.zeros((1, 5)),
                                              labels=[0])])
