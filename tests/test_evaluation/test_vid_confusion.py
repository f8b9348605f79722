import numpy as np
import pytest

from mmhvr.evaluation import eval_vid_confusion


def _frame(boxes, labels, scores=None):
    out = dict(bboxes=np.asarray(boxes, float).reshape(-1, 4),
               labels=np.asarray(labels, int))
    if scores is not None:
        out['scores'] = np.asarray(scores, float)
    return out


GT_A = [0, 0, 10, 10]
GT_B = [20, 20, 30, 30]


def test_box_detected_as_two_classes_counts_double_and_takes_best_label():
    anns = [_frame([GT_A], [0])]
    # the other class scores higher: the matrix row names it, and the box
    # counts as detected twice
    dets = [_frame([GT_A, [0, 0, 10, 9]], [0, 1], [0.6, 0.9])]
    out = eval_vid_confusion(dets, anns, num_classes=2)
    np.testing.assert_array_equal(out['matrix'], [[0, 1, 0], [0, 0, 0]])
    assert out['double_rate'][0] == 1.0
    assert np.isnan(out['double_rate'][1])


def test_missed_box_goes_to_the_none_column():
    anns = [_frame([GT_A, GT_B], [0, 1])]
    # a confident detection elsewhere (IoU 0 with both boxes) and one on B
    dets = [_frame([[50, 50, 60, 60], GT_B], [0, 1], [0.9, 0.8])]
    out = eval_vid_confusion(dets, anns, num_classes=2)
    np.testing.assert_array_equal(out['matrix'], [[0, 0, 1], [0, 1, 0]])
    np.testing.assert_array_equal(out['double_rate'], [0.0, 0.0])


def test_detection_under_score_threshold_is_ignored():
    anns = [_frame([GT_A], [0])]
    dets = [_frame([GT_A, GT_A], [0, 1], [0.9, 0.49])]
    out = eval_vid_confusion(dets, anns, num_classes=2, score_thr=0.5)
    np.testing.assert_array_equal(out['matrix'][0], [1, 0, 0])
    assert out['double_rate'][0] == 0.0
    # at a lower threshold the second detection counts
    out = eval_vid_confusion(dets, anns, num_classes=2, score_thr=0.4)
    assert out['double_rate'][0] == 1.0


def test_iou_threshold_uses_x2_minus_x1_widths():
    anns = [_frame([[0, 0, 10, 10]], [0])]
    # IoU = 50 / 100 + 100 - 50 ... = 5x10 overlap / (100 + 50 - 50) = 0.5
    dets = [_frame([[0, 0, 5, 10]], [1], [0.9])]
    assert eval_vid_confusion(dets, anns, num_classes=2,
                              iou_thr=0.5)['matrix'][0, 1] == 1
    assert eval_vid_confusion(dets, anns, num_classes=2,
                              iou_thr=0.51)['matrix'][0, 2] == 1


def test_counts_over_frames_and_rates():
    anns = [_frame([GT_A], [0]), _frame([GT_A], [0]), _frame([], [])]
    dets = [
        _frame([GT_A, GT_A], [0, 1], [0.9, 0.8]),
        _frame([GT_A], [0], [0.9]),
        _frame([GT_A], [1], [0.9]),  # a false positive: no row counts it
    ]
    out = eval_vid_confusion(dets, anns)
    assert out['matrix'].shape == (2, 3)
    np.testing.assert_array_equal(out['matrix'], [[2, 0, 0], [0, 0, 0]])
    assert out['double_rate'][0] == pytest.approx(0.5)


def test_mismatched_lengths_and_labels_raise():
    with pytest.raises(ValueError, match='2 detection results for 1'):
        eval_vid_confusion([_frame([], [], []), _frame([], [], [])],
                           [_frame([], [])])
    with pytest.raises(ValueError, match='out of range'):
        eval_vid_confusion([_frame([], [], [])], [_frame([GT_A], [3])],
                           num_classes=2)


def test_missing_field_error_names_the_input_and_frame():
    ok = [_frame([GT_A], [0])]
    with pytest.raises(ValueError,
                       match=r"^annotations\[1\] has no field 'labels'$"):
        eval_vid_confusion(
            [_frame([], [], []), _frame([], [], [])],
            ok + [dict(bboxes=np.zeros((0, 4)))])
    with pytest.raises(ValueError,
                       match=r"^det_results\[0\] has no field 'scores'$"):
        eval_vid_confusion([_frame([GT_A], [0])], ok)


def test_no_frames_and_no_boxes_give_zero_classes():
    # num_classes from the labels: none at all -> 0 classes, and the
    # matrix still has its "none" column
    for dets, anns in (([], []), ([_frame([], [], [])], [_frame([], [])])):
        out = eval_vid_confusion(dets, anns)
        assert out['matrix'].shape == (0, 1)
        assert out['double_rate'].shape == (0, )


def test_labels_and_scores_of_any_shape_with_one_entry_per_box():
    # column vectors (n, 1), and 0-d arrays for a frame with one box, count
    # like flat ones (the inputs are flattened; the class count is inferred)
    anns = [dict(bboxes=np.array([GT_A, GT_B], float),
                 labels=np.array([[0], [1]])),
            dict(bboxes=np.array([GT_A], float), labels=np.array(0))]
    dets = [dict(bboxes=np.array([GT_A, GT_B], float),
                 labels=np.array([[1], [1]]), scores=np.array([[0.9], [0.8]])),
            dict(bboxes=np.array([GT_A], float), labels=np.array(0),
                 scores=np.array(0.7))]
    out = eval_vid_confusion(dets, anns)
    # frame 1: the class-0 box is called 1, the class-1 box 1; frame 2: 0
    np.testing.assert_array_equal(out['matrix'], [[1, 1, 0], [0, 1, 0]])
    np.testing.assert_array_equal(out['double_rate'], [0.0, 0.0])


def test_frame_without_ground_truth_does_not_end_the_count():
    anns = [_frame([], []), _frame([GT_A], [0])]
    dets = [_frame([GT_A], [0], [0.9]), _frame([GT_A], [0], [0.9])]
    out = eval_vid_confusion(dets, anns, num_classes=1)
    np.testing.assert_array_equal(out['matrix'], [[1, 0]])


def test_label_equal_to_num_classes_or_negative_is_out_of_range():
    for label in (2, -1):
        with pytest.raises(ValueError, match=r'out of range \[0, 2\)'):
            eval_vid_confusion([_frame([], [], [])],
                               [_frame([GT_A], [label])], num_classes=2)


def test_score_equal_to_threshold_counts():
    anns = [_frame([GT_A], [0])]
    dets = [_frame([GT_A], [1], [0.5])]
    out = eval_vid_confusion(dets, anns, num_classes=2, score_thr=0.5)
    np.testing.assert_array_equal(out['matrix'][0], [0, 1, 0])


def test_misses_and_doubles_accumulate_over_frames():
    anns = [_frame([GT_A, GT_B], [0, 1]), _frame([GT_A, GT_B], [0, 1]),
            _frame([GT_B], [1])]
    dets = [
        # A missed; B called 1 (0.9) and 0 (0.8): a double
        _frame([GT_B, GT_B], [1, 0], [0.9, 0.8]),
        # A missed; B called 0 only: confused, not a double
        _frame([GT_B], [0], [0.9]),
        # B called 0 (0.95) and 1 (0.7): a double, the row names 0
        _frame([GT_B, GT_B], [0, 1], [0.95, 0.7]),
    ]
    out = eval_vid_confusion(dets, anns, num_classes=2)
    assert out['matrix'].dtype == np.int64
    np.testing.assert_array_equal(out['matrix'], [[0, 0, 2], [2, 1, 0]])
    np.testing.assert_allclose(out['double_rate'], [0.0, 2 / 3])
