import pytest
import torch

from mmhvr.models import (RelationTripletLoss, mine_hard_triplets,
                          select_video_triplet)
from mmhvr.models.utils import video_descriptors


def test_select_video_triplet_known_answer():
    feats = torch.tensor([[1., 0.], [0.9, 0.1], [0.2, 0.8], [0.8, 0.3],
                          [0.1, 0.2]])
    labels = torch.tensor([0, 0, 0, 1, 1])
    # sims to anchor: [1, .9, .2, .8, .1]; lowest same-class = 2,
    # highest other-class = 3
    assert select_video_triplet(feats, labels) == (0, 2, 3)
    # anchor 3 (class 1): positive is 4, negative the most similar of 0..2
    assert select_video_triplet(feats, labels, anchor_index=3) == (3, 4, 0)


def test_select_video_triplet_errors():
    feats = torch.randn(3, 4)
    with pytest.raises(ValueError, match='another video of the anchor'):
        select_video_triplet(feats, torch.tensor([0, 1, 1]))
    with pytest.raises(ValueError, match='labels \\[2, 2, 2\\]'):
        select_video_triplet(feats, torch.tensor([2, 2, 2]))


def test_video_descriptors_max_over_frames_of_gap():
    feats = torch.zeros(4, 2, 2, 2)  # 2 videos x 2 frames
    feats[0, 0] = 1.
    feats[1, 0] = 3.
    feats[1, 1, 0, 0] = 4.  # GAP = 1
    feats[3, 1] = -1.
    desc = video_descriptors(feats, 2)
    torch.testing.assert_close(desc, torch.tensor([[3., 1.], [0., 0.]]))


def test_mine_hard_triplets_known_answer():
    num_classes = 3
    sim = torch.tensor([
        [0.9, 0.1, 0.5, 0.7, 0.3],  # label 0: pos argmin over {0,1} = 1,
        # neg argmax over {2,3,4} = 3
        [0.2, 0.4, 0.6, 0.8, 0.1],  # background query: skipped
        [0.3, 0.3, 0.9, 0.2, 0.95],  # label 2: no label-2 support: skipped
        [0.1, 0.2, 0.3, 0.4, 0.9],  # label 1: pos = 2; neg = 4 (bg)
    ])
    q = torch.tensor([0, 3, 2, 1])
    s = torch.tensor([0, 0, 1, 0, 3])
    a, p, n = mine_hard_triplets(sim, q, s, num_classes)
    assert a.tolist() == [0, 3]
    assert p.tolist() == [1, 2]
    assert n.tolist() == [2, 4]  # for query 0 the negatives are {2, 4}
    assert a.dtype == p.dtype == n.dtype == torch.long


def test_mine_hard_triplets_empty():
    a, p, n = mine_hard_triplets(torch.rand(2, 2), torch.tensor([3, 3]),
                                 torch.tensor([0, 1]), 3)
    assert len(a) == len(p) == len(n) == 0


def test_relation_triplet_loss_known_value():
    loss = RelationTripletLoss(margin=1.0, loss_weight=10.0)
    a = torch.tensor([[1., 0.], [2., 0.]])
    p = torch.tensor([[0., 3.], [5., 0.]])  # |a-p| = sqrt2, 0
    n = torch.tensor([[-4., 0.], [0., 1.]])  # |a-n| = 2, sqrt2
    # relu(sqrt2 - 2 + 1) = 0.4142, relu(0 - sqrt2 + 1) = 0
    expected = 10.0 * (2**0.5 - 1) / 2
    assert loss(a, p, n).item() == pytest.approx(expected, rel=1e-5)
    assert RelationTripletLoss(margin=0.0, loss_weight=1.0)(a, p, n).item() \
        == pytest.approx(0.0)


def test_relation_triplet_loss_empty_and_grad():
    loss = RelationTripletLoss()
    a = torch.zeros(0, 4, requires_grad=True)
    out = loss(a, torch.zeros(0, 4), torch.zeros(0, 4))
    assert out.item() == 0 and out.requires_grad
    a = torch.randn(3, 4, requires_grad=True)
    loss(a, torch.randn(3, 4), torch.randn(3, 4)).backward()
    assert a.grad is not None
