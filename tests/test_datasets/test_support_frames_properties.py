"""Properties of select_support_frames over generated videos (hypothesis)."""
from hypothesis import given, settings
from hypothesis import strategies as st

from mmhvr.datasets import select_support_frames
from tests_helpers import examples

SETTINGS = settings(max_examples=examples(200), deadline=None)


@st.composite
def video_and_key(draw):
    n = draw(st.integers(1, 80))
    return n, draw(st.integers(0, n - 1))


@SETTINGS
@given(video_and_key(), st.sampled_from(['window', 'uniform', 'past']),
       st.integers(0, 30), st.integers(0, 15))
def test_supports_are_sorted_distinct_frames_other_than_the_key(
        nk, method, num_support, frame_range):
    n, key = nk
    ids = select_support_frames(key, n, method, num_support, frame_range)
    assert ids == sorted(set(ids))
    assert key not in ids
    assert all(0 <= f < n for f in ids)
    assert all(isinstance(f, int) for f in ids)


@SETTINGS
@given(video_and_key(), st.integers(0, 15), st.integers(0, 30))
def test_window_is_every_frame_within_range(nk, frame_range, num_support):
    n, key = nk
    ids = select_support_frames(key, n, 'window', num_support, frame_range)
    assert ids == [f for f in range(n)
                   if f != key and abs(f - key) <= frame_range]


@SETTINGS
@given(video_and_key(), st.integers(0, 30))
def test_uniform_count_and_spread(nk, num_support):
    n, key = nk
    ids = select_support_frames(key, n, 'uniform', num_support)
    count = min(num_support, n)
    # num_support distinct frames (or the whole video), minus the key
    assert len(ids) in (count, count - 1)
    all_ids = sorted(set(ids) | ({key} if len(ids) == count - 1 else set()))
    assert len(all_ids) == count
    if count >= 1 and key != 0:
        assert ids[0] == 0  # the first frame always
    if count >= 2:
        # the first and the last frame, evenly spread: gaps differ by <= 1
        assert all_ids[0] == 0 and all_ids[-1] == n - 1
        gaps = [b - a for a, b in zip(all_ids, all_ids[1:])]
        assert max(gaps) - min(gaps) <= 1


@SETTINGS
@given(st.integers(1, 80), st.integers(0, 30), st.data())
def test_uniform_supports_do_not_depend_on_the_key(n, num_support, data):
    """SELSA style: one set of frames for the whole video, minus the key
    frame itself."""
    k1 = data.draw(st.integers(0, n - 1))
    k2 = data.draw(st.integers(0, n - 1))
    a = select_support_frames(k1, n, 'uniform', num_support)
    b = select_support_frames(k2, n, 'uniform', num_support)
    assert [f for f in a if f != k2] == [f for f in b if f != k1]


@SETTINGS
@given(video_and_key(), st.integers(0, 30))
def test_past_is_the_frames_right_before_the_key(nk, num_support):
    n, key = nk
    assert select_support_frames(key, n, 'past', num_support) == list(
        range(max(0, key - num_support), key))


@SETTINGS
@given(video_and_key())
def test_the_default_window_is_ten_frames_each_side(nk):
    n, key = nk
    assert select_support_frames(key, n, 'window', 0) == \
        select_support_frames(key, n, 'window', 0, 10)
