"""Small contracts of the relation block, the proposal mining and the
relation loss that the known-answer tests do not pin down."""
import pytest
import torch

from mmhvr.models import (InterVideoRelation, IntraVideoRelation,
                          RelationTripletLoss, mine_hard_triplets)


@pytest.mark.parametrize('cls', [IntraVideoRelation, InterVideoRelation])
def test_relation_init_and_sizes(cls):
    """Linear layers start from N(0, 0.01) (a near-identity residual), and
    the per-head query/key width other modules scale by is an int."""
    torch.manual_seed(0)
    block = cls(in_channels=256, num_heads=8, key_channels=128)
    block.init_weights()
    for layer in (block.query, block.key):
        assert layer.weight.std().item() == pytest.approx(0.01, rel=0.1)
    assert (block.in_channels, block.key_channels) == (256, 128)
    assert block.head_channels == 16 and isinstance(block.head_channels,
                                                    int)


def test_relation_refuses_indivisible_key_channels():
    with pytest.raises(ValueError, match=r'key_channels \(30\)'):
        IntraVideoRelation(in_channels=32, num_heads=4, key_channels=30)
    with pytest.raises(ValueError, match=r'in_channels \(30\)'):
        IntraVideoRelation(in_channels=30, num_heads=4, key_channels=32)


def test_mining_needs_both_a_positive_and_a_negative():
    sim = torch.tensor([[0.5, 0.2], [0.3, 0.9], [0.1, 0.4]])
    # query 0 (label 0): supports all label 0 -> no negative;
    # query 1 (label 1): no label-1 support -> no positive;
    # query 2 (label 0): skipped too, no negative
    a, p, n = mine_hard_triplets(sim, torch.tensor([0, 1, 0]),
                                 torch.tensor([0, 0]), num_classes=2)
    assert a.tolist() == p.tolist() == n.tolist() == []
    # with one label-1 support, queries 0 and 2 get it as their negative
    a, p, n = mine_hard_triplets(sim, torch.tensor([0, 1, 0]),
                                 torch.tensor([0, 1]), num_classes=2)
    assert a.tolist() == [0, 1, 2] and n.tolist() == [1, 0, 1]
    assert p.tolist() == [0, 1, 0]


def test_loss_defaults_are_the_papers():
    """gamma = 1, lambda = 10 (supplementary)."""
    loss = RelationTripletLoss()
    assert (loss.margin, loss.loss_weight) == (1.0, 10.0)


def test_affinity_mining_anchors_are_foreground_with_both_kinds():
    from mmhvr.models.utils.triplet_mining import mine_affinity_triplets
    labels = torch.tensor([0, 0, 2, 2, 1])  # 2 = background
    aff = torch.arange(25, dtype=torch.float).view(5, 5)
    a, p, n = mine_affinity_triplets(aff, labels, num_classes=2)
    # background RoIs 2 and 3 are never anchors; RoI 4 (class 1) has no
    # other RoI of its class
    assert a.tolist() == [0, 1]
    assert p.tolist() == [1, 0] and n.tolist() == [4, 4]
    # a pool of one class has no negative for anyone
    a, _, _ = mine_affinity_triplets(aff[:2, :2], labels[:2], num_classes=2)
    assert a.tolist() == []


def test_frozen_stage_count_of_a_resnet_like_without_frozen_stages():
    from types import SimpleNamespace

    from mmhvr.models.utils.backbone_split import frozen_stage_count
    net = SimpleNamespace(res_layers=['layer1', 'layer2'], out_indices=(1, ))
    assert frozen_stage_count(net) == 0
