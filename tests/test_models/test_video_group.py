"""VideoGroup: the batch layout built once (videos, frames, key frames,
roles), shared by the triplet sampler, the detector and the losses."""
import pytest

from mmhvr.datasets import VideoTripletSampler
from mmhvr.models import VideoGroup, VideoTriplet
from mmhvr.testing import demo_video_group


class Videos:
    metainfo = dict(classes=('a', 'b', 'c'))

    def __init__(self, labels):
        self.video_labels = labels

    def __len__(self):
        return len(self.video_labels)


LABELS = [0, 0, 0, 1, 1, 1, 1, 2, 2, 2]


def group_of(indices, num_frames=3, keys=None):
    """The VideoGroup a batch of the dataset items ``indices`` gives."""
    data = demo_video_group([LABELS[i] for i in indices],
                            num_frames=num_frames, image_shape=(3, 8, 8))
    samples = data['data_samples']
    for s, k in zip(samples, keys or [0] * len(samples)):
        s.set_metainfo(dict(key_frames_inds=[k]))
    return VideoGroup.from_samples(samples, num_frames)


def test_sampler_groups_read_back_with_their_roles():
    sampler = VideoTripletSampler(Videos(LABELS), seed=0, num_same=3,
                                  num_other_classes=2)
    for indices in sampler:
        group = group_of(indices)
        assert group.anchor == VideoGroup.ANCHOR == 0
        assert group.labels == tuple(LABELS[i] for i in indices)
        roles = group.roles()
        assert roles[0] == 'anchor'
        assert roles[1:3] == ['same', 'same'] and set(roles[3:]) == {'other'}


def test_layout_puts_the_anchor_first_then_its_class_then_the_others():
    assert VideoGroup.layout(7, [3, 4], [[1, 2], [9, 8]]) == \
        [7, 3, 4, 1, 2, 9, 8]


def test_frames_and_key_frames_are_addressed_in_one_place():
    group = group_of([0, 3, 7], num_frames=4, keys=[0, 2, 3])
    assert group.num_videos == 3 and group.num_frames == 4
    assert group.key_frames == [0, 6, 11]
    assert group.video_frames(1) == [4, 5, 6, 7]
    assert [group.video_of(f) for f in (0, 3, 4, 11)] == [0, 0, 1, 2]
    assert len(group.frame_samples) == 12
    assert group.frame_samples[6] is \
        group.samples[1].video_data_samples[2]
    with pytest.raises(IndexError):
        group.frame(3, 0)


def test_the_triplet_and_its_own_group():
    group = group_of([0, 1, 2, 3, 4, 5, 7, 8, 9])
    triplet = group.with_triplet(positive=2, negative=4)
    assert triplet.triplet == VideoTriplet(0, 2, 4)
    assert triplet.roles()[:5] == ['anchor', 'same', 'positive', 'other',
                                   'negative']
    three = triplet.triplet_group()
    assert three.roles() == ['anchor', 'positive', 'negative']
    assert three.samples == (group.samples[0], group.samples[2],
                             group.samples[4])
    assert three.labels == (0, 0, 1)
    for pos, neg in ((0, 4), (3, 4), (2, 1)):  # not a triplet
        with pytest.raises(ValueError, match='not a video triplet'):
            group.with_triplet(pos, neg)
    with pytest.raises(ValueError, match='no video triplet'):
        group.triplet_group()


def test_videos_of_another_length_are_refused():
    data = demo_video_group([0, 1], num_frames=3, image_shape=(3, 8, 8))
    with pytest.raises(ValueError, match='video 0 of the batch has 3'):
        VideoGroup.from_samples(data['data_samples'], 4)
