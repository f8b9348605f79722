"""eval_vid_map against the ImageNet VID devkit's public Python port.

The expected values were computed once by FGFA's ``vid_eval`` and
``vid_eval_motion`` (msracver/Flow-Guided-Feature-Aggregation, the commit in
each fixture's ``port`` record) on the inputs stored beside them; see
``tests/fixtures/vid_eval/README.md``. Labels are 0-based here (the port
read label + 1, its class 0 being the background); the port's per-class AP
of a class without ground truth (NaN, or 0 without detections; -1 in a
motion bin) is stored as null.
"""
import gzip
import json
import os.path as osp

import numpy as np
import pytest

from mmhvr.evaluation import eval_vid_map, motion_ious

FIXTURES = osp.join(osp.dirname(__file__), '..', 'fixtures', 'vid_eval')
PORT_COMMIT = 'f01243e23a2e2be0a91d0a5a927433686305a054'
BINS = ('fast', 'medium', 'slow')
TOL = 1e-6


def load(name):
    path = osp.join(FIXTURES, name)
    opener = gzip.open if name.endswith('.gz') else open
    with opener(path, 'rt') as f:
        data = json.load(f)
    assert data['port']['commit'] == PORT_COMMIT
    assert data['port']['motion_ranges'] == [[0.0, 1.0], [0.0, 0.7],
                                             [0.7, 0.9], [0.9, 1.0]]
    return data['cases']


HAND = {c['name']: c for c in load('port_hand_cases.json')}
RANDOM = load('port_random_cases.json.gz')


def inputs(case, permute=None):
    """eval_vid_map's (det_results, annotations) of a stored case;
    ``permute`` (a Generator) shuffles each frame's detections."""
    anns, dets = [], []
    for f in case['frames']:
        anns.append(dict(bboxes=np.array(f['gt_bboxes'], float).reshape(
            -1, 4), labels=np.array(f['gt_labels'], int),
            instance_ids=np.array(f['gt_instance_ids'], int),
            video_id=f['video_id'], frame_id=f['frame_id']))
        d = dict(bboxes=np.array(f['det_bboxes'], float).reshape(-1, 4),
                 scores=np.array(f['det_scores'], float),
                 labels=np.array(f['det_labels'], int))
        if permute is not None:
            order = permute.permutation(len(d['scores']))
            d = {k: v[order] for k, v in d.items()}
        dets.append(d)
    return dets, anns


def port_array(values):
    return np.array([np.nan if v is None else v for v in values], float)


def differences(case, out):
    """Largest |mmhvr - port| of mAP, per-class AP and per-bin (m)AP; the
    classes the port has a value for must be exactly those with one here."""
    exp = case['expected']
    diff = {}
    ap = port_array(exp['AP'])
    labels = np.concatenate([f['gt_labels'] for f in case['frames']])
    has_gt = np.bincount(labels.astype(int),
                         minlength=case['num_classes']) > 0
    np.testing.assert_array_equal(np.isnan(out['AP']), ~has_gt)
    assert not np.isnan(ap[has_gt]).any()
    diff['AP'] = float(np.abs(out['AP'] - ap)[has_gt].max(initial=0))
    # the port's own mean (np.mean over every class) when every class has
    # ground truth; else the mean over the classes that have some
    port_map = exp['mAP_port'] if has_gt.all() else float(
        np.mean(ap[has_gt]))
    diff['mAP'] = abs(out['mAP'] - port_map)
    diff['bins'] = 0.0
    for b in BINS:
        ap_bin = port_array(exp[f'AP_{b}'])
        np.testing.assert_array_equal(np.isnan(out[f'AP_{b}']),
                                      np.isnan(ap_bin))
        ok = ~np.isnan(ap_bin)
        diff['bins'] = max(diff['bins'],
                           float(np.abs(out[f'AP_{b}'] - ap_bin)[ok].max(
                               initial=0)))
        if exp[f'mAP_{b}'] is None:
            assert np.isnan(out[f'mAP_{b}'])
        else:
            diff['bins'] = max(diff['bins'],
                               abs(out[f'mAP_{b}'] - exp[f'mAP_{b}']))
    # the port's [0, 1] motion range is its plain evaluation
    assert port_array(exp['AP_all'])[has_gt] == pytest.approx(
        ap[has_gt], abs=1e-12)
    return diff


@pytest.mark.parametrize('name', sorted(HAND))
def test_hand_cases_equal_the_port(name):
    case = HAND[name]
    dets, anns = inputs(case)
    out = eval_vid_map(dets, anns, num_classes=case['num_classes'])
    assert max(differences(case, out).values()) < TOL


def test_random_cases_equal_the_port():
    """24 VID-like cases (30 classes, 10 videos of 10-30 frames, small
    objects, zero-width boxes, track gaps, duplicates, misses, poor and
    cross-class boxes, background false positives, score ties whose order
    cannot matter): mAP, per-class AP and per-bin AP equal the port's."""
    assert len(RANDOM) >= 20
    worst = dict(mAP=0.0, AP=0.0, bins=0.0)
    for case in RANDOM:
        assert case['num_classes'] == 30
        dets, anns = inputs(case)
        out = eval_vid_map(dets, anns, num_classes=30)
        for k, v in differences(case, out).items():
            worst[k] = max(worst[k], v)
    assert max(worst.values()) < TOL, worst


def test_fixtures_exercise_ties_bins_and_small_objects():
    """The comparison means something: every case has score ties, across
    classes and within one, ground truths in every bin, small objects."""
    for case in RANDOM:
        assert case['ties']['tied_detections'] > 50
        assert case['ties']['same_class_tied_pairs'] > 10
        miou = np.concatenate([m for m in case['motion_iou'] if m])
        for lo, hi in ((0, 0.7), (0.7, 0.9), (0.9, 1)):
            assert ((miou >= lo) & (miou <= hi)).sum() > 10
        boxes = np.concatenate([np.array(f['gt_bboxes']).reshape(-1, 4)
                                for f in case['frames']])
        wh = boxes[:, 2:] - boxes[:, :2] + 1
        assert (wh.prod(1) < 400).sum() > 10
    assert any((np.array(f['gt_bboxes']).reshape(-1, 4)[:, 0] ==
                np.array(f['gt_bboxes']).reshape(-1, 4)[:, 2]).any()
               for c in RANDOM for f in c['frames'])


def test_detection_order_within_a_frame_does_not_matter():
    """The stored ties were chosen so that their order cannot change the
    result (the port gave the same on shuffled detection files): shuffling
    each frame's detections here changes nothing either."""
    rng = np.random.default_rng(0)
    for case in RANDOM[:6] + list(HAND.values()):
        dets, anns = inputs(case)
        base = eval_vid_map(dets, anns, num_classes=case['num_classes'])
        dets, anns = inputs(case, permute=rng)
        out = eval_vid_map(dets, anns, num_classes=case['num_classes'])
        for key in ['AP'] + [f'AP_{b}' for b in BINS]:
            np.testing.assert_allclose(out[key], base[key], atol=1e-12)


def test_motion_ious_equal_the_stored_ones():
    """The fixtures' motion IoUs (the .mat given to the port) were computed
    by an independent loop: +-10 frames, the frame itself excluded, 1.0 for
    a ground truth seen in no other frame, continuous widths."""
    for case in RANDOM + list(HAND.values()):
        _, anns = inputs(case)
        for mine, stored in zip(motion_ious(anns), case['motion_iou']):
            np.testing.assert_allclose(mine, stored, rtol=0, atol=1e-12)


# the port's outputs on the hand cases, checked once more by hand
BY_HAND = {
    'issue_half_height_box': dict(mAP=1.0),
    'issue_small_object': dict(mAP=0.0),
    # FP (0.9) then TP: precision 1/2 at recall 1/2
    'zero_width_ground_truth': dict(mAP=0.25),
    # slow: the poor box (fp 0) and the fast object's detections (matched,
    # ignored) weigh nothing; fast: FP 1 first, then 2 of 3 found
    'poor_box_on_a_ground_truth_of_another_bin': dict(
        mAP_slow=1.0, mAP_fast=2 / 3 * 2 / 3),
    # the empty frame's FP weighs 3/7 (slow) and 4/7 (fast: 3 fast ground
    # truths + the empty frame's IoU 0, of 7)
    'confident_false_positive_in_a_frame_without_ground_truth': dict(
        mAP=6 / 7, mAP_slow=3 / (3 + 3 / 7), mAP_fast=3 / (3 + 4 / 7)),
    # class 1: slow, its box on the fast class-0 object weighs 0; fast, 1
    'cross_class_overlap': dict(mAP_slow=1.0, mAP_fast=(1 + 3 / 4) / 2),
    # a box over nothing among 2 slow and 1 fast: 1/3 (slow), 2/3 (fast)
    'unmatched_box_overlapping_nothing': dict(
        mAP=9 / 10, mAP_slow=6 / (6 + 1 / 3), mAP_fast=3 / (3 + 2 / 3)),
    # +-10 frames: every frame is fast (with +-5 frame 0 would be slow,
    # 1.0); 10 of 11 found after one FP
    'motion_range_ten_frames': dict(mAP_fast=10 / 11 * 10 / 11),
}


@pytest.mark.parametrize('name', sorted(BY_HAND))
def test_hand_cases_by_hand(name):
    case = HAND[name]
    dets, anns = inputs(case)
    out = eval_vid_map(dets, anns, num_classes=case['num_classes'])
    for key, value in BY_HAND[name].items():
        assert out[key] == pytest.approx(value, abs=1e-12), key
        port = case['expected']['mAP_port' if key == 'mAP' else key]
        assert port == pytest.approx(value, abs=1e-12), key
    if name == 'motion_range_ten_frames':
        assert np.isnan(out['mAP_slow'])


def test_class_without_ground_truth_is_nan_where_the_port_gives_0():
    """The deliberate difference: a class without ground truth is NaN and
    left out of the mean; the port gives 0 without detections, NaN with
    some (its mean is then NaN)."""
    case = HAND['class_without_ground_truth']
    dets, anns = inputs(case)
    out = eval_vid_map(dets, anns, num_classes=3)
    assert case['expected']['AP'] == [1.0, 0.0, None]
    assert case['expected']['mAP_port'] is None
    assert out['AP'][0] == 1.0 and np.isnan(out['AP'][1:]).all()
    assert out['mAP'] == 1.0
