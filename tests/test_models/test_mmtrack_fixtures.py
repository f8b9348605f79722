"""The MMTracking reference fixtures (tests/fixtures/mmtrack_ref, issue 21)
are self-consistent: the seeded checkpoint of every method rebuilds from its
stored key list to the values the references were made with, the stored
detections are well-formed and non-trivial, and the recorded reference
frames follow each method's test-time sampling. The equivalence tests of
the ports compare against these files; see the fixture README."""
import json
import os
import os.path as osp
import re

import cv2
import pytest
import torch

from mmhvr.testing.seeded_weights import seeded_state_dict, tensor_checksums

FIX = osp.join(osp.dirname(osp.dirname(osp.abspath(__file__))), 'fixtures',
               'mmtrack_ref')
METHODS = ('faster_rcnn', 'selsa', 'temporal_roi_align', 'fgfa', 'dff')
# state-dict prefixes each MMTracking model must have (docs/mmtrack_methods.md)
PREFIXES = {
    'faster_rcnn': ('detector.backbone.', 'detector.neck.',
                    'detector.rpn_head.', 'detector.roi_head.bbox_head.'),
    'selsa': ('detector.backbone.', 'detector.neck.', 'detector.rpn_head.',
              'detector.roi_head.bbox_head.aggregator.'),
    'temporal_roi_align': (
        'detector.backbone.', 'detector.rpn_head.',
        'detector.roi_head.bbox_head.aggregator.',
        'detector.roi_head.bbox_roi_extractor.embed_network.'),
    'fgfa': ('detector.backbone.', 'detector.rpn_head.', 'motion.',
             'aggregator.embed_convs.'),
    'dff': ('detector.backbone.', 'detector.rpn_head.', 'motion.'),
}


def load(name):
    with open(osp.join(FIX, name)) as f:
        return json.load(f)


@pytest.fixture(scope='module', params=METHODS)
def ref(request):
    return load(f'{request.param}.json')


def rebuild(ref):
    keys = load(ref['weights']['keys'])
    w = ref['weights']
    state = seeded_state_dict(keys['keys'], w['seed'], w['gain'],
                              w['scales'], w['values'])
    return keys, state


def test_seeded_checkpoint_rebuilds_the_stored_values(ref):
    keys, state = rebuild(ref)
    assert list(state) == [k for k, _, _ in keys['keys']]
    assert set(keys['checksums']) == set(state)
    for key, (total, abs_total) in tensor_checksums(state).items():
        want_total, want_abs = keys['checksums'][key]
        assert abs_total == pytest.approx(want_abs, rel=1e-6, abs=1e-9), key
        assert total == pytest.approx(want_total, rel=1e-5,
                                      abs=1e-6 * max(want_abs, 1)), key


def test_key_list_has_the_method_modules(ref):
    keys = [k for k, _, _ in load(ref['weights']['keys'])['keys']]
    for prefix in PREFIXES[ref['method']]:
        assert any(k.startswith(prefix) for k in keys), prefix
    if ref['method'] == 'faster_rcnn':  # a single-frame detector only
        assert all(k.startswith('detector.') for k in keys)
        assert not any('aggregator' in k for k in keys)


def test_methods_share_the_seeded_backbone():
    """Per-key seeding: the five checkpoints hold one backbone, neck and RPN
    (same keys, same stored checksums; the test above ties the checksums to
    the rebuilt values), so the converter's mapping of those is checked once
    for all of them."""
    shared = ('detector.backbone.', 'detector.neck.', 'detector.rpn_head.')
    stored = []
    for method in METHODS:
        keys = load(load(f'{method}.json')['weights']['keys'])
        stored.append({k: (s, keys['checksums'][k])
                       for k, s, _ in keys['keys'] if k.startswith(shared)})
    assert len(stored[0]) > 300
    for other in stored[1:]:
        assert other == stored[0]


def test_provenance_and_overrides_are_recorded(ref):
    assert re.fullmatch(r'[0-9a-f]{40}', ref['mmtrack']['commit'])
    assert ref['mmtrack']['branch'] == 'dev-1.x'
    assert ref['mmtrack']['config'].startswith('configs/vid/')
    assert ref['overrides']['test_pipeline.Resize.scale']['used']
    assert len(ref['classes']) == 30
    rcnn = ref['model_test_cfg']['detector']['rcnn']
    assert rcnn['score_thr'] > 0 and rcnn['max_per_img'] > 0


def test_frames_are_stored_and_listed_in_order(ref):
    ann = load(ref['ann_file'])
    images = sorted(ann['images'], key=lambda i: i['frame_id'])
    assert [f['frame_id'] for f in ref['frames']] == \
        [i['frame_id'] for i in images] == list(range(len(images)))
    for frame, image in zip(ref['frames'], images):
        assert frame['file_name'] == image['file_name']
        assert frame['file_name'].endswith('.jpg')
        img = cv2.imread(osp.join(FIX, frame['file_name']))
        assert img is not None, frame['file_name']
        assert list(img.shape[:2]) == frame['ori_shape'] == \
            [image['height'], image['width']]


def test_detections_are_well_formed_and_not_trivial(ref):
    rcnn = ref['model_test_cfg']['detector']['rcnn']
    num_classes = len(ref['classes'])
    per_frame = []
    for frame in ref['frames']:
        boxes = torch.tensor(frame['bboxes'], dtype=torch.float64)
        scores = torch.tensor(frame['scores'], dtype=torch.float64)
        labels = torch.tensor(frame['labels'])
        n = len(scores)
        assert 0 < n <= rcnn['max_per_img']
        assert boxes.shape == (n, 4) and labels.shape == (n, )
        h, w = frame['ori_shape']
        assert (boxes[:, 2] >= boxes[:, 0]).all()
        assert (boxes[:, 3] >= boxes[:, 1]).all()
        assert boxes.min() >= 0
        assert (boxes[:, [0, 2]] <= w + 0.01).all()
        assert (boxes[:, [1, 3]] <= h + 0.01).all()
        assert (scores > rcnn['score_thr']).all() and (scores <= 1).all()
        assert (scores[:-1] >= scores[1:]).all()  # mmdet's NMS order
        assert labels.min() >= 0 and labels.max() < num_classes
        # non-trivial: confident boxes of many classes, boxes of some size
        assert scores.max() > 0.5
        assert len(set(frame['labels'])) >= 5
        assert ((boxes[:, 2] - boxes[:, 0]) > 4).float().mean() > 0.5
        per_frame.append((boxes, scores))
    # the frames differ (the detector saw different images)
    for (b0, s0), (b1, s1) in zip(per_frame, per_frame[1:]):
        assert b0.shape != b1.shape or not torch.allclose(b0, b1)


def test_video_methods_differ_from_single_frame():
    single = load('faster_rcnn.json')['frames']
    for method in METHODS[1:]:
        frames = load(f'{method}.json')['frames']
        differ = [f['scores'] != s['scores'] for f, s in zip(frames, single)]
        if method == 'dff':  # key frames are single-frame detections
            interval = load('dff.json')['model_test_cfg']['video'][
                'key_frame_interval']
            for frame, d in zip(frames, differ):
                assert d == (frame['frame_id'] % interval != 0), frame
        else:
            assert all(differ), method


def test_reference_frames_follow_each_sampling_scheme(ref):
    frames = ref['frames']
    length = len(frames)
    method = ref['method']
    if method == 'faster_rcnn':
        assert all(f['ref_frame_ids'] == [] for f in frames)
        return
    if method == 'dff':
        interval = ref['model_test_cfg']['video']['key_frame_interval']
        assert 1 < interval < length  # some key frames and some warped
        for f in frames:
            assert f['ref_frame_ids'] == [f['frame_id'] - f['frame_id'] %
                                          interval]
        return
    sampler = ref['overrides']['ref_img_sampler']['used']
    lo, hi = sampler['frame_range']
    if method in ('selsa', 'temporal_roi_align'):
        # test_with_adaptive_stride: refs drawn once (frame 0) over the
        # whole video, then every key frame adds itself
        assert sampler['method'] == 'test_with_adaptive_stride'
        n = hi - lo
        stride = (length - 1) / (n - 1)
        drawn = [round(i * stride) for i in range(n)]
        for f in frames:
            assert f['ref_frame_ids'] == drawn + [f['frame_id']]
    else:
        # test_with_fix_stride: a window of frame ids clamped to the video,
        # the key frame at index -lo
        assert method == 'fgfa'
        assert sampler['method'] == 'test_with_fix_stride'
        for f in frames:
            t = f['frame_id']
            window = [min(max(t + o * sampler['stride'], 0), length - 1)
                      for o in range(lo, hi + 1)]
            assert f['ref_frame_ids'] == window


def test_fixture_stays_small():
    total = sum(
        osp.getsize(osp.join(root, name))
        for root, _, names in os.walk(FIX) for name in names)
    assert total < 5 * 2**20
