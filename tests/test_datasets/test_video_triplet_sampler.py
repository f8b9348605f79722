from unittest import mock

import pytest
import torch
from torch.utils.data import DataLoader, Dataset

from mmhvr.datasets import VideoTripletSampler


class FakeVideos(Dataset):
    metainfo = dict(classes=('a', 'b', 'c', 'd'))

    def __init__(self, labels):
        self.video_labels = labels

    def __len__(self):
        return len(self.video_labels)

    def __getitem__(self, i):
        return i


class Wrapped:

    def __init__(self, dataset):
        self.dataset = dataset


LABELS = [0] * 4 + [1] * 3 + [2] * 5 + [3] * 2 + [-1]


def make(labels=LABELS, seed=0, **kw):
    return VideoTripletSampler(Wrapped(FakeVideos(labels)), seed=seed, **kw)


def test_group_composition():
    s = make(batch_size=9)
    groups = list(s)
    # anchors: every video of a class with >= 3 videos (0, 1, 2)
    assert len(groups) == len(s) == 12
    anchors = sorted(g[0] for g in groups)
    assert anchors == list(range(12))
    for g in groups:
        assert len(g) == 9 and len(set(g)) == 9
        labels = [LABELS[i] for i in g]
        assert labels[:3] == [labels[0]] * 3
        others = labels[3:]
        assert labels[0] not in others
        assert len(set(others[:3])) == 1 and len(set(others[3:])) == 1
        assert others[0] != others[3] and -1 not in others


def test_deterministic_and_epoch_aware():
    a, b = make(), make()
    assert list(a) == list(b)
    b.set_epoch(1)
    assert list(a) != list(b)


def test_shards_without_overlap():
    shards = []
    for rank in range(2):
        with mock.patch(
                'mmhvr.datasets.samplers.video_triplet_sampler.get_dist_info',
                return_value=(rank, 2)):
            shards.append([tuple(g) for g in make()])
    assert len(shards[0]) == len(shards[1]) == 6
    assert not set(shards[0]) & set(shards[1])
    assert len(set(shards[0]) | set(shards[1])) == 12


def test_clear_errors():
    with pytest.raises(ValueError, match='batch_size=9'):
        make(batch_size=4)
    with pytest.raises(ValueError, match="'a': 4, 'b': 3"):
        make(labels=[0] * 4 + [1] * 3)
    with pytest.raises(ValueError, match="'d': 2"):
        make(labels=[0] * 3 + [1] * 3 + [3] * 2)
    with pytest.raises(ValueError, match="too few: {'b': 2, 'c': 1}"):
        make(labels=[0] * 3 + [1] * 2 + [2])
    with pytest.raises(ValueError, match='videos of 2 classes'):
        make(labels=[0] * 5 + [1] * 5 + [-1] * 3)


def test_drop_last_and_padding():
    with mock.patch(
            'mmhvr.datasets.samplers.video_triplet_sampler.get_dist_info',
            return_value=(1, 5)):
        assert len(make()) == 3  # 12 groups padded to 15
        assert len(list(make())) == 3
        assert len(make(drop_last=True)) == 2
        assert len(list(make(drop_last=True))) == 2


def test_resume_skips_seen_groups():
    full = make()
    full.set_epoch(3)
    expected = list(full)
    resumed = make()
    resumed.load_state_dict(dict(epoch=3, start_iter=5))
    assert list(resumed) == expected[5:]
    # the skip is once; later epochs follow the wrapped sampler's count
    assert list(resumed) == expected
    resumed.sampler.epoch = 1
    nxt = make()
    nxt.set_epoch(4)
    assert list(resumed) == list(nxt)
    assert make().state_dict() == dict(seed=0, epoch=0, start_iter=0)


def test_labels_of_concat_and_repeat_datasets():
    from mmhvr.datasets.samplers import dataset_video_labels

    class Concat:
        datasets = [FakeVideos([0, 1]), FakeVideos([2])]

    class Repeat:
        times = 2
        dataset = FakeVideos([0, -1])

    assert dataset_video_labels(Concat()) == [0, 1, 2]
    assert dataset_video_labels(Repeat()) == [0, -1, 0, -1]


def test_as_dataloader_batch_sampler():
    ds = FakeVideos(LABELS)
    loader = DataLoader(ds, batch_sampler=make(), collate_fn=list)
    batches = list(loader)
    assert len(batches) == 12 and all(len(b) == 9 for b in batches)


def test_labels_from_get_data_info_and_unknown_datasets():
    from mmhvr.datasets.samplers import dataset_video_labels

    class Infos:
        dataset = None  # a wrapper-like attribute, but not a RepeatDataset

        def __len__(self):
            return 3

        def get_data_info(self, i):
            return [dict(video_label=2), dict(), dict(video_label=0)][i]

    assert dataset_video_labels(Infos()) == [2, -1, 0]

    class Nothing:
        pass

    with pytest.raises(TypeError, match='Nothing has no `video_labels`: '
                       'VideoTripletSampler needs one class per video'):
        dataset_video_labels(Nothing())


def test_argument_errors_give_the_numbers():
    with pytest.raises(ValueError, match='num_same must be >= 1 and '
                       'num_other_classes >= 0, got 0, 2'):
        make(num_same=0)
    with pytest.raises(ValueError, match='got 3, -1'):
        make(num_other_classes=-1)
    with pytest.raises(ValueError, match='a group needs videos of 3 classes'):
        make(labels=[0] * 5 + [1] * 5)
    with pytest.raises(ValueError, match='a group needs 3 classes with at '
                       'least num_same=3'):
        make(labels=[0] * 3 + [1] * 3 + [2] * 2)
    # a label outside the class names is shown as a number
    with pytest.raises(ValueError, match="too few: {'4': 2}"):
        make(labels=[0] * 3 + [1] * 3 + [4] * 2)


def test_drop_last_with_one_group_per_rank():
    with mock.patch(
            'mmhvr.datasets.samplers.video_triplet_sampler.get_dist_info',
            return_value=(11, 12)):
        s = make(drop_last=True)  # 12 groups, 12 ranks: one each
        assert len(s) == len(list(s)) == 1
    with mock.patch(
            'mmhvr.datasets.samplers.video_triplet_sampler.get_dist_info',
            return_value=(0, 13)):
        with pytest.raises(ValueError, match='12 groups per epoch cannot '
                           'feed 13 ranks with drop_last=True'):
            make(drop_last=True)


def test_seed_state_and_skip():
    with mock.patch(
            'mmhvr.datasets.samplers.video_triplet_sampler.sync_random_seed',
            return_value=1234):
        shared = VideoTripletSampler(Wrapped(FakeVideos(LABELS)))
    assert shared.state_dict()['seed'] == 1234
    assert list(shared) == list(make(seed=1234)) != list(make(seed=0))
    # a state from another seed and epoch, taken while the wrapped
    # sampler's own epoch count was at 2
    resumed = make()
    resumed.sampler.epoch = 2
    resumed.load_state_dict(dict(seed=7, epoch=5, start_iter=3))
    expected = make(seed=7)
    expected.set_epoch(5)
    assert list(resumed) == list(expected)[3:]
    assert resumed.state_dict() == dict(seed=7, epoch=5, start_iter=0)
    # missing entries: epoch 0, nothing skipped
    fresh = make()
    fresh.load_state_dict({})
    assert list(fresh) == list(make())
    with pytest.raises(ValueError, match='cannot skip -1 groups'):
        fresh.skip(-1)
