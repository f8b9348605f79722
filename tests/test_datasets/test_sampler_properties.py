"""Properties of VideoTripletSampler over generated datasets (hypothesis):
every group obeys the class rules, and the ranks partition the epoch."""
from collections import Counter
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mmhvr.datasets import VideoTripletSampler
from tests_helpers import examples

SETTINGS = settings(max_examples=examples(60), deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
DIST = 'mmhvr.datasets.samplers.video_triplet_sampler.get_dist_info'


class FakeVideos:

    def __init__(self, labels):
        self.video_labels = labels

    def __len__(self):
        return len(self.video_labels)


@st.composite
def datasets(draw):
    """Video labels: up to 5 classes of 0-7 videos, some unlabelled (-1),
    shuffled."""
    counts = draw(st.lists(st.integers(0, 7), min_size=1, max_size=5))
    labels = [c for c, n in enumerate(counts) for _ in range(n)]
    labels += [-1] * draw(st.integers(0, 3))
    return draw(st.permutations(labels))


@st.composite
def sampler_args(draw):
    return dict(labels=draw(datasets()), num_same=draw(st.integers(1, 3)),
                num_other_classes=draw(st.integers(0, 2)),
                seed=draw(st.integers(0, 2**16)))


def build(labels, rank=0, world_size=1, **kw):
    with mock.patch(DIST, return_value=(rank, world_size)):
        return VideoTripletSampler(FakeVideos(list(labels)), **kw)


def eligible(labels, num_same):
    counts = Counter(v for v in labels if v >= 0)
    return {c for c, n in counts.items() if n >= num_same}


@SETTINGS
@given(sampler_args(), st.integers(0, 3))
def test_every_group_obeys_the_class_rules(args, epoch):
    labels, n, k = args['labels'], args['num_same'], \
        args['num_other_classes']
    classes = eligible(labels, n)
    if len(classes) < k + 1:
        with pytest.raises(ValueError):
            build(labels, num_same=n, num_other_classes=k, seed=args['seed'])
        return
    s = build(labels, num_same=n, num_other_classes=k, seed=args['seed'])
    groups = s.all_groups(epoch)
    # every video of a class with >= num_same videos is the anchor once
    assert sorted(g[0] for g in groups) == sorted(
        i for i, c in enumerate(labels) if c in classes)
    for g in groups:
        assert len(g) == n * (1 + k) == s.group_size
        assert len(set(g)) == len(g)
        blocks = [[labels[i] for i in g[b * n:(b + 1) * n]]
                  for b in range(1 + k)]
        block_classes = [b[0] for b in blocks]
        assert all(len(set(b)) == 1 for b in blocks)
        assert len(set(block_classes)) == 1 + k
        assert set(block_classes) <= classes
    # the same seed and epoch give the same groups
    again = build(labels, num_same=n, num_other_classes=k, seed=args['seed'])
    assert again.all_groups(epoch) == groups


@SETTINGS
@given(sampler_args(), st.integers(1, 5), st.booleans(), st.integers(0, 3))
def test_ranks_partition_the_epoch(args, world_size, drop_last, epoch):
    labels, n, k = args['labels'], args['num_same'], \
        args['num_other_classes']
    kw = dict(num_same=n, num_other_classes=k, seed=args['seed'],
              drop_last=drop_last)
    classes = eligible(labels, n)
    num_groups = sum(1 for c in labels if c in classes)
    if len(classes) < k + 1 or (drop_last and num_groups < world_size):
        with pytest.raises(ValueError):
            build(labels, world_size=world_size, **kw)
        return
    shards = []
    for rank in range(world_size):
        s = build(labels, rank=rank, world_size=world_size, **kw)
        s.set_epoch(epoch)
        shards.append([tuple(g) for g in s])
        assert len(shards[-1]) == len(s)
    everything = [tuple(g) for g in s.all_groups(epoch)]
    # every rank has the same number of batches (no rank waits at a
    # barrier for another)
    assert len({len(sh) for sh in shards}) == 1
    dealt = [g for i in range(len(shards[0])) for sh in shards
             for g in sh[i:i + 1]]
    if drop_last:
        # the first world_size * (G // world_size) groups, each once
        assert dealt == everything[:len(dealt)]
        assert len(everything) - len(dealt) < world_size
    else:
        # every group at least once, in order, then fewer than world_size
        # groups repeated from the start (cycling when there are fewer
        # groups than ranks)
        assert len(dealt) - len(everything) < world_size
        assert dealt == [everything[i % len(everything)]
                         for i in range(len(dealt))]
