"""Properties of eval_vid_map over generated frames (hypothesis).

Each property is a fact of VOC-area AP with greedy, score-ordered matching
that any correct implementation keeps, checked on random frames instead of
a handful of hand-made ones.
"""
import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mmhvr.evaluation import eval_vid_map
from tests_helpers import examples

NUM_CLASSES = 3
SETTINGS = settings(max_examples=examples(60), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


@st.composite
def boxes(draw, max_size):
    n = draw(st.integers(0, max_size))
    xy = draw(st.lists(st.tuples(st.integers(0, 120), st.integers(0, 120),
                                 st.integers(2, 60), st.integers(2, 60)),
                       min_size=n, max_size=n))
    out = np.array([[x, y, x + w, y + h] for x, y, w, h in xy],
                   float).reshape(-1, 4)
    labels = np.array(draw(st.lists(st.integers(0, NUM_CLASSES - 1),
                                    min_size=n, max_size=n)), int)
    return out, labels


@st.composite
def frames_with_detections(draw, max_frames=5):
    """Annotated frames and detections; every detection has its own score
    (distinct scores: the ranking, hence AP, is then fully defined)."""
    num_frames = draw(st.integers(1, max_frames))
    anns, dets = [], []
    for _ in range(num_frames):
        gt, gl = draw(boxes(3))
        db, dl = draw(boxes(5))
        # some detections are jittered copies of ground truths (hits)
        hits = draw(st.lists(st.tuples(st.integers(0, 2),
                                       st.integers(-3, 3)),
                             max_size=len(gt)))
        for j, dx in hits:
            if j < len(gt):
                db = np.concatenate([db, gt[j:j + 1] + dx])
                dl = np.concatenate([dl, gl[j:j + 1]])
        anns.append(dict(bboxes=gt, labels=gl))
        dets.append(dict(bboxes=db, labels=dl))
    total = sum(len(d['labels']) for d in dets)
    ranks = draw(st.permutations(range(total)))
    scores = (np.asarray(ranks, float) + 1) / (total + 1)
    start = 0
    for d in dets:
        k = len(d['labels'])
        d['scores'] = scores[start:start + k]
        start += k
    return anns, dets


def evaluate(dets, anns):
    return eval_vid_map(dets, anns, num_classes=NUM_CLASSES)


def assert_same(a, b):
    np.testing.assert_allclose(a['AP'], b['AP'], atol=1e-12, equal_nan=True)
    if np.isnan(a['mAP']):
        assert np.isnan(b['mAP'])
    else:
        assert a['mAP'] == pytest.approx(b['mAP'], abs=1e-12)


@SETTINGS
@given(frames_with_detections(), st.randoms(use_true_random=False))
def test_ap_is_a_fraction_and_nan_only_without_ground_truth(data, rnd):
    anns, dets = data
    ap = evaluate(dets, anns)['AP']
    for c in range(NUM_CLASSES):
        has_gt = any((a['labels'] == c).any() for a in anns)
        assert np.isnan(ap[c]) != has_gt
        if has_gt:
            assert 0.0 <= ap[c] <= 1.0


@SETTINGS
@given(frames_with_detections(), st.randoms(use_true_random=False))
def test_permuting_frames_changes_nothing(data, rnd):
    anns, dets = data
    order = list(range(len(anns)))
    rnd.shuffle(order)
    assert_same(evaluate(dets, anns),
                evaluate([dets[i] for i in order], [anns[i] for i in order]))


@SETTINGS
@given(frames_with_detections(), st.integers(-40, 40), st.integers(-40, 40))
def test_translating_every_box_changes_nothing(data, dx, dy):
    anns, dets = data
    shift = np.array([dx, dy, dx, dy], float)
    moved = [dict(a, bboxes=a['bboxes'] + shift) for a in anns]
    moved_dets = [dict(d, bboxes=d['bboxes'] + shift) for d in dets]
    assert_same(evaluate(dets, anns), evaluate(moved_dets, moved))


@SETTINGS
@given(frames_with_detections())
def test_only_the_score_order_matters(data):
    anns, dets = data
    squashed = [dict(d, scores=d['scores']**3 * 0.5) for d in dets]
    assert_same(evaluate(dets, anns), evaluate(squashed, anns))


@SETTINGS
@given(frames_with_detections(), st.lists(
    st.tuples(st.integers(0, 4), st.integers(0, NUM_CLASSES - 1),
              st.booleans()), min_size=1, max_size=6))
def test_detections_below_every_score_never_lower_ap(data, extra):
    """Appending detections at the bottom of the ranking adds PR points
    after every existing one: the precision envelope, hence AP, can only
    grow; when they hit no ground truth (far away) AP is unchanged."""
    anns, dets = data
    before = evaluate(dets, anns)
    low = min([d['scores'].min() for d in dets if len(d['scores'])] + [1.])
    grown, far_only = [dict(d) for d in dets], [dict(d) for d in dets]
    for i, (f, label, on_gt) in enumerate(extra):
        f = f % len(anns)
        score = low * (0.5 - 0.01 * i)
        gt = anns[f]['bboxes']
        box = gt[:1] if on_gt and len(gt) else np.array(
            [[500., 500., 540., 540.]])
        for target, b in ((grown, box), (far_only,
                                         np.array([[500., 500., 540.,
                                                    540.]]))):
            d = target[f]
            target[f] = dict(
                bboxes=np.concatenate([d['bboxes'], b]),
                labels=np.concatenate([d['labels'], [label]]),
                scores=np.concatenate([d['scores'], [score]]))
    after, unchanged = evaluate(grown, anns), evaluate(far_only, anns)
    has_gt = ~np.isnan(before['AP'])
    assert (after['AP'][has_gt] >= before['AP'][has_gt] - 1e-12).all()
    assert_same(before, unchanged)


@st.composite
def frames_with_a_true_positive(draw):
    anns, dets = draw(frames_with_detections())
    f = draw(st.integers(0, len(anns) - 1))
    assume(len(anns[f]['labels']) > 0)
    g = draw(st.integers(0, len(anns[f]['labels']) - 1))
    return anns, dets, f, g


def _iou(a, b):
    """The devkit's IoU: pixel-inclusive widths (x2 - x1 + 1)."""
    lt = np.maximum(a[:2], b[:2])
    rb = np.minimum(a[2:], b[2:])
    inter = np.clip(rb - lt + 1, 0, None).prod()
    union = (a[2:] - a[:2] + 1).prod() + (b[2:] - b[:2] + 1).prod() - inter
    return inter / union


@SETTINGS
@given(frames_with_a_true_positive())
def test_a_duplicate_of_a_true_positive_is_only_a_false_positive(data):
    """Give ground truth g a perfect detection above every score (so it is a
    true positive of g); a second copy just below it can match nothing
    else (no other box of the class overlaps g enough), so it is a false
    positive: AP can only drop, and it drops unless recall was already
    complete before it (precision 1 up to full recall then)."""
    anns, dets, f, g = data
    box, label = anns[f]['bboxes'][g], anns[f]['labels'][g]
    for h, (other, lab) in enumerate(zip(anns[f]['bboxes'],
                                         anns[f]['labels'])):
        w, hh = other[2] - other[0] + 1, other[3] - other[1] + 1
        thr = min(0.5, w * hh / ((w + 10) * (hh + 10)))
        assume(h == g or lab != label or _iou(box, other) < thr)

    def with_dets(extra_scores):
        out = [dict(d) for d in dets]
        d = out[f]
        k = len(extra_scores)
        out[f] = dict(
            bboxes=np.concatenate([d['bboxes'], np.repeat(box[None], k, 0)]),
            labels=np.concatenate([d['labels'], [label] * k]),
            scores=np.concatenate([d['scores'], extra_scores]))
        return out

    single = evaluate(with_dets([2.0]), anns)['AP'][label]
    double = evaluate(with_dets([2.0, 1.5]), anns)['AP'][label]
    num_gt = sum(int((a['labels'] == label).sum()) for a in anns)
    assert double <= single + 1e-12
    if num_gt > 1:
        # the FP comes second: precision 1/2 at recall 2/num_gt at best
        assert double < single or single < 1.0
    assert single >= 1.0 / num_gt - 1e-12  # the TP ranked first counts
