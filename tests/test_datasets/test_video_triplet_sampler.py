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


def make(labels=LABELS, **kw):
    return VideoTripletSampler(Wrapped(FakeVideos(labels)), seed=0, **kw)


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


def test_as_dataloader_batch_sampler():
    ds = FakeVideos(LABELS)
    loader = DataLoader(ds, batch_sampler=make(), collate_fn=list)
    batches = list(loader)
    assert len(batches) == 12 and all(len(b) == 9 for b in batches)
