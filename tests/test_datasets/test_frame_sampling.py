import random

import numpy as np
import pytest

from mmhvr.datasets import select_support_frames
from mmhvr.datasets.transforms import (PackVideoInputs,
                                       VideoKeySupportSample,
                                       VideoTestSupportSample)


def video(n, candidates=None):
    return dict(video_id=7, video_length=n,
                images=[dict(frame_id=i, img_id=100 + i) for i in range(n)],
                key_frame_candidates=candidates or list(range(n)))


def test_train_sampling_key_first_supports_in_video():
    random.seed(0)
    t = VideoKeySupportSample(num_support=2)
    for _ in range(50):
        out = t(video(10, candidates=[2, 5]))
        ids = out['frame_id']
        assert ids[0] in (2, 5)
        assert all(0 <= f < 10 and f != ids[0] for f in ids[1:])
        assert out['key_frame_flags'] == [True, False, False]
    one = VideoKeySupportSample(num_support=2)(video(1))
    assert one['frame_id'] == [0, 0, 0]
    windowed = VideoKeySupportSample(num_support=2, frame_range=1)
    out = windowed(dict(video(10), key_frame_id=5))
    assert set(out['frame_id'][1:]) <= {4, 6}
    assert 'video_label' not in out


def test_train_item_carries_the_video_label():
    """The label the triplet sampler grouped the video by reaches the
    model, whatever boxes the sampled frames show."""
    out = VideoKeySupportSample(num_support=2)(
        dict(video(5), video_label=3))
    assert out['video_label'] == [3, 3, 3]
    out['img'] = [np.zeros((8, 8, 3), np.uint8)] * 3
    out['img_shape'] = out['ori_shape'] = [(8, 8)] * 3
    packed = PackVideoInputs()(out)
    assert packed['data_samples'].metainfo['video_label'] == 3


def test_train_sampling_is_key_first_for_a_two_frame_video():
    random.seed(1)
    t = VideoKeySupportSample(num_support=2)
    for _ in range(20):
        out = t(video(2, candidates=[1]))
        assert out['frame_id'] == [1, 0, 0]
        assert out['video_length'] == [3] * 3
        assert out['ori_video_length'] == [2] * 3


def test_support_frame_ids_method():
    window = VideoTestSupportSample(method='window', frame_range=2)
    assert window.support_frame_ids(5, 30) == [3, 4, 6, 7]
    assert window.support_frame_ids(0, 30) == [1, 2]
    assert window.support_frame_ids(29, 30) == [27, 28]
    uniform = VideoTestSupportSample(method='uniform', num_support=5)
    assert uniform.support_frame_ids(3, 9) == [0, 2, 4, 6, 8]
    assert uniform.support_frame_ids(4, 9) == [0, 2, 6, 8]
    # independent of the key frame (minus the key frame itself)
    assert uniform.support_frame_ids(7, 100) == \
        uniform.support_frame_ids(8, 100)
    assert uniform.support_frame_ids(7, 100) == [0, 25, 50, 74, 99]
    with pytest.raises(ValueError, match='window'):
        VideoTestSupportSample(method='nearest')


def test_window_mode_loads_every_frame_once_over_a_video():
    t = VideoTestSupportSample(method='window', frame_range=3)
    n = 11
    loaded = []
    for key in range(n):
        ids = t(dict(video(n), key_frame_id=key))['frame_id']
        assert ids[0] == key
        loaded += ids[1:] if key else ids
    # the supports loaded plus the first key frame: every frame once
    assert sorted(loaded) == list(range(n))
    everything = VideoTestSupportSample(method='window', frame_range=3,
                                        load_only_new=False)
    assert everything(dict(video(n), key_frame_id=5))['frame_id'] == \
        [5, 2, 3, 4, 6, 7, 8]


def test_test_sampling_needs_a_key_frame():
    t = VideoTestSupportSample()
    with pytest.raises(ValueError, match='TrackImgSampler'):
        t(video(3))


def test_support_ids():
    assert select_support_frames(5, 30, 'window', 20, 2) == [3, 4, 6, 7]
    assert select_support_frames(0, 30, 'window', 20, 2) == [1, 2]
    assert select_support_frames(3, 9, 'uniform', 5, 10) == [0, 2, 4, 6, 8]
    assert select_support_frames(4, 9, 'uniform', 5, 10) == [0, 2, 6, 8]
    assert select_support_frames(0, 1, 'uniform', 20) == []
    with pytest.raises(ValueError, match='window'):
        select_support_frames(0, 3, 'nearest', 2)


@pytest.mark.parametrize('method', ['window', 'uniform'])
def test_only_new_frames_are_loaded(method):
    t = VideoTestSupportSample(num_support=5, method=method, frame_range=3)
    n = 12
    loaded, cache = [], set()
    for key in range(n):
        out = t(dict(video(n), key_frame_id=key))
        ids = out['frame_id']
        assert ids[0] == key and out['key_frame_flags'][0]
        supports = out['support_frame_ids'][0]
        assert supports == select_support_frames(key, n, method, 5, 3)
        cache.update(ids)
        # everything the key frame needs is loaded now or was loaded before
        assert set(supports) <= cache
        loaded += ids[1:]
    # a support frame is loaded once (the key frame itself may repeat)
    assert len(loaded) == len(set(loaded))


def test_window_larger_than_video_warns_and_works():
    t = VideoTestSupportSample(num_support=20, method='uniform')
    with pytest.warns(UserWarning, match='fewer than the 20 supports'):
        out = t(dict(video(4), key_frame_id=1))
    assert out['support_frame_ids'][0] == [0, 2, 3]
    single = t(dict(video(1), key_frame_id=0))
    assert single['support_frame_ids'][0] == []
    assert single['frame_id'] == [0] and single['key_frame_flags'] == [True]
    window = VideoTestSupportSample(method='window', frame_range=10)
    with pytest.warns(UserWarning, match='video 7 has 5 frames'):
        out = window(dict(video(5), key_frame_id=2))
    assert out['support_frame_ids'][0] == [0, 1, 3, 4]
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter('error')  # warned once per video
        window(dict(video(5), key_frame_id=3))


def test_pack_video_inputs_carries_supports():
    t = VideoTestSupportSample(num_support=3, method='uniform',
                               load_only_new=False)
    results = t(dict(video(6), key_frame_id=2))
    k = len(results['frame_id'])
    results['img'] = [np.zeros((8, 8, 3), np.uint8)] * k
    results['img_shape'] = [(8, 8)] * k
    results['ori_shape'] = [(8, 8)] * k
    packed = PackVideoInputs()(results)
    meta = packed['data_samples'].metainfo
    assert meta['support_frame_ids'] == [0, 5]
    assert meta['video_id'] == 7 and meta['key_frames_inds'] == [0]


def test_train_supports_are_distinct_frames_of_the_window():
    """Enough frames: the supports are distinct and drawn from the whole
    window (both sides of the key frame, the video's first and last frame
    included); the authors' default is 2 supports."""
    random.seed(0)
    window = VideoKeySupportSample(num_support=4, frame_range=2)
    for _ in range(20):
        out = window(dict(video(10), key_frame_id=5))
        assert sorted(out['frame_id'][1:]) == [3, 4, 6, 7]
    whole = VideoKeySupportSample(num_support=2)
    for _ in range(20):
        out = whole(dict(video(3), key_frame_id=0))
        assert sorted(out['frame_id'][1:]) == [1, 2]
    assert len(VideoKeySupportSample()(video(6))['frame_id']) == 3


def test_train_key_frame_is_any_frame_without_candidates():
    random.seed(0)
    t = VideoKeySupportSample(num_support=1)
    info = video(4)
    info['key_frame_candidates'] = None
    keys = {t(info)['frame_id'][0] for _ in range(100)}
    assert keys == {0, 1, 2, 3}


def test_test_support_defaults_and_frame_ids():
    """Defaults: 20 uniform supports, a +-10 window; supports are reported
    as the frames' ``frame_id`` (a clip need not start at 0)."""
    t = VideoTestSupportSample(method='window')
    assert t.support_frame_ids(15, 40) == [f for f in range(5, 26)
                                           if f != 15]
    uniform = VideoTestSupportSample()
    assert len(uniform.support_frame_ids(0, 100)) == 19  # 20 minus the key
    clip = video(6)
    for i, img in enumerate(clip['images']):
        img['frame_id'] = 50 + i
    out = VideoTestSupportSample(num_support=3, load_only_new=False)(
        dict(clip, key_frame_id=1))
    assert out['support_frame_ids'][0] == [50, 52, 55]
    assert out['frame_id'] == [51, 50, 52, 55]
    assert out['key_frame_flags'] == [True, False, False, False]


def test_test_sampling_errors_name_the_problem():
    t = VideoTestSupportSample()
    with pytest.raises(IndexError, match='key frame 5 is outside video 7 '
                       'of 5 frames'):
        t(dict(video(5), key_frame_id=5))
    with pytest.raises(ValueError, match='VideoTestSupportSample needs a '
                       'whole video with `key_frame_id`'):
        t(video(3))


@pytest.mark.parametrize('method,n,kw,warns', [
    ('uniform', 5, dict(num_support=4), False),  # 4 others: enough
    ('uniform', 4, dict(num_support=4), True),
    ('window', 5, dict(frame_range=2), False),  # 2 x 2 others: enough
    ('window', 4, dict(frame_range=2), True),
])
def test_warns_exactly_when_the_video_is_too_short(method, n, kw, warns):
    import warnings
    t = VideoTestSupportSample(method=method, **kw)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter('always')
        t(dict(video(n), key_frame_id=0))
    messages = [str(w.message) for w in caught
                if issubclass(w.category, UserWarning)]
    if warns:
        assert len(messages) == 1
        assert f'using the {n - 1} other frames' in messages[0]
    else:
        assert messages == []


def test_test_sampler_arguments_are_checked():
    for kw in (dict(num_support=-1), dict(frame_range=-2),
               dict(num_support=True), dict(frame_range=1.5)):
        name = next(iter(kw))
        with pytest.raises(ValueError, match=f'VideoTestSupportSample.{name} '
                           'must be an integer >= 0'):
            VideoTestSupportSample(**kw)
    assert VideoTestSupportSample(num_support=0, frame_range=0,
                                  method='past').method == 'past'
    with pytest.raises(ValueError, match="use `sampler=dict\\(type="
                       "'TrackImgSampler'\\)` in the test dataloader"):
        VideoTestSupportSample()(video(3))


def test_stream_start_and_frame_ids_without_frame_id():
    t = VideoTestSupportSample(num_support=2, load_only_new=False)
    first = t(dict(video(4), key_frame_id=0))
    assert first['stream_start'] == [True] * len(first['frame_id'])
    later = t(dict(video(4), key_frame_id=1))
    assert later['stream_start'] == [False] * len(later['frame_id'])
    bare = video(4)
    for img in bare['images']:
        del img['frame_id']
    out = t(dict(bare, key_frame_id=2))
    assert out['support_frame_ids'][0] == [0, 3]  # frame indices then


def test_past_supports_never_warn():
    import warnings
    t = VideoTestSupportSample(method='past', num_support=5)
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        out = t(dict(video(3), key_frame_id=2))
    assert out['support_frame_ids'][0] == [0, 1]
    assert select_support_frames(3, 10, 'uniform', 1) == [0]
