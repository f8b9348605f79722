import pytest
import torch

from mmhvr.models import (RelationTripletLoss, mine_hard_triplets,
                          select_video_triplet)
from mmhvr.models.utils import mine_affinity_triplets, video_descriptors


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


def test_mine_affinity_triplets_known_answer():
    from mmhvr.models.utils import mine_affinity_triplets
    num_classes = 2  # label 2 = background
    # RoIs 0, 1: class 0 (video 0 and 1); 2: class 1; 3: background;
    # 4: class 0 (video 2)
    labels = torch.tensor([0, 0, 1, 2, 0])
    aff = torch.tensor([
        [9., 5., 1., 7., 2.],  # pos: lowest same-label not itself = 4 (2.)
        [3., 9., 6., 1., 4.],  # pos: 0 (3.) ; neg: 2 (6.)
        [1., 1., 9., 1., 1.],  # class 1 alone: no positive -> no anchor
        [9., 9., 9., 9., 9.],  # background is never an anchor
        [8., 0., 1., 2., 9.],  # pos: 1 (0.) ; neg: background 3 (2.)
    ])
    anchor, pos, neg = mine_affinity_triplets(aff, labels, num_classes)
    assert anchor.tolist() == [0, 1, 4]
    assert pos.tolist() == [4, 0, 1]
    # row 0: the background RoI 3 (7.) beats class-1 RoI 2 (1.)
    assert neg.tolist() == [3, 2, 3]


def test_mine_affinity_triplets_never_pairs_a_roi_with_itself():
    from mmhvr.models.utils import mine_affinity_triplets
    labels = torch.tensor([0, 0, 1])
    # the diagonal holds the lowest same-label affinity: it must be skipped
    aff = torch.tensor([[-9., 5., 0.], [4., -9., 0.], [0., 0., 0.]])
    anchor, pos, neg = mine_affinity_triplets(aff, labels, 2)
    assert anchor.tolist() == [0, 1] and pos.tolist() == [1, 0]
    assert neg.tolist() == [2, 2]
    with pytest.raises(ValueError, match=r'affinity must be \(3, 3\)'):
        mine_affinity_triplets(aff[:2], labels, 2)


@pytest.mark.parametrize('normalize', [True, False])
def test_relation_triplet_loss_both_spaces_by_hand(normalize):
    a = torch.tensor([[3., 4.], [1., 0.]])
    p = torch.tensor([[3., 0.], [2., 0.]])
    n = torch.tensor([[0., 4.], [1., 1.]])
    loss = RelationTripletLoss(margin=1.0, loss_weight=10.0,
                               normalize=normalize)(a, p, n)
    if normalize:
        an = a / a.norm(dim=1, keepdim=True)
        pn = p / p.norm(dim=1, keepdim=True)
        nn_ = n / n.norm(dim=1, keepdim=True)
        # row 0: |(.6,.8)-(1,0)| = sqrt(.8) ; |(.6,.8)-(0,1)| = sqrt(.4)
        # row 1: |(1,0)-(1,0)| = 0 ; |(1,0)-(.707,.707)| = .765
        d = (an - pn).norm(dim=1) - (an - nn_).norm(dim=1) + 1
        expected = 10 * d.clamp(min=0).mean()
        assert expected.item() == pytest.approx(
            10 * ((0.8**0.5 - 0.4**0.5 + 1) + (1 - 0.7654)) / 2, abs=1e-3)
    else:
        # row 0: |a-p| = 4, |a-n| = 3 -> 2 ; row 1: 1 - 1 + 1 = 1
        expected = torch.tensor(10 * (2 + 1) / 2)
    torch.testing.assert_close(loss, expected)


def test_relation_triplet_loss_batch_all_known_value():
    # RoIs 0, 1: class 0; 2: class 1 (alone: no positive); 3: background
    labels = torch.tensor([0, 0, 1, 2])
    q = torch.tensor([[0.], [1.], [3.], [0.5]])
    k = torch.tensor([[0.], [2.], [0.], [5.]])
    loss = RelationTripletLoss(margin=1.0, loss_weight=1.0, normalize=False)
    # anchor 0: |q0-k1| = 2 against |q0-k2| = 0 -> 3, |q0-k3| = 5 -> 0
    # anchor 1: |q1-k0| = 1 against |q1-k2| = 1 -> 1, |q1-k3| = 4 -> 0
    # anchors 2 (no positive) and 3 (background): none; 2 active triplets
    out = loss.batch_all(q, k, labels, num_classes=2)
    assert out.item() == pytest.approx((3 + 1) / 2)
    assert RelationTripletLoss(loss_weight=10.0, normalize=False).batch_all(
        q, k, labels, 2).item() == pytest.approx(20.0)
    # normalised 1-d rows are +-1: every distance is 0 or 2
    qn = torch.tensor([[1.], [1.], [-1.], [1.]])
    kn = torch.tensor([[1.], [-1.], [1.], [1.]])
    # anchor 0: |q0-k1| = 2; negatives k2 (0), k3 (0) -> 3, 3
    # anchor 1: |q1-k0| = 0; negatives k2 (0) -> 1, k3 (0) -> 1
    assert RelationTripletLoss(loss_weight=1.0).batch_all(
        2 * qn, 3 * kn, labels, 2).item() == pytest.approx(8 / 4)


def test_batch_all_background_is_no_anchor_and_one_active_triplet_is_not_halved():
    # RoIs 0, 1: class 0; 2, 3: background (they have each other as a
    # same-label pair, but background RoIs are never anchors)
    labels = torch.tensor([0, 0, 2, 2])
    q = torch.tensor([[0.], [0.], [5.], [10.]])
    k = torch.tensor([[0.], [0.5], [1.], [10.]])
    # anchor 0: |q0-k1| = 0.5 against |q0-k2| = 1 -> 0.5, |q0-k3| = 10 -> 0
    # anchor 1: |q1-k0| = 0 against 1 -> 0, 10 -> 0: one active triplet
    out = RelationTripletLoss(margin=1.0, loss_weight=1.0,
                              normalize=False).batch_all(q, k, labels, 2)
    assert out.item() == pytest.approx(0.5)


def test_relation_triplet_loss_batch_all_nothing_active_and_grad():
    labels = torch.tensor([0, 1, 2])  # no class has two RoIs
    q = torch.randn(3, 4, requires_grad=True)
    out = RelationTripletLoss().batch_all(q, torch.randn(3, 4), labels, 2)
    assert out.item() == 0
    out.backward()
    assert q.grad is not None and q.grad.abs().sum() == 0
    with pytest.raises(ValueError, match='N = 2 labels'):
        RelationTripletLoss().batch_all(q, torch.randn(3, 4), labels[:2], 2)


def test_relation_accuracy_known_answer():
    from mmhvr.models.utils import relation_accuracy
    labels = torch.tensor([0, 0, 1, 2])  # 2 = background, never counted
    aff = torch.tensor([
        [9., 1., 5., 0.],  # itself excluded: best other is 2 (class 1): miss
        [7., 9., 0., 0.],  # best other is 0 (class 0): hit
        [0., 0., 9., 8.],  # best other is 3 (background): miss
        [9., 9., 9., 9.],
    ])
    assert relation_accuracy(aff, labels, 2).item() == pytest.approx(100 / 3)
    assert relation_accuracy(aff[3:, 3:], labels[3:], 2).item() == 0


def _head_and_pool(n=12):
    from mmhvr.registry import MODELS
    torch.manual_seed(0)
    rel = dict(in_channels=16, num_heads=4)
    head = MODELS.build(dict(
        type='HVRBBoxHead', in_channels=2, roi_feat_size=2,
        fc_out_channels=16, num_classes=2,
        intra_relations=[dict(type='IntraVideoRelation', **rel),
                         dict(type='IntraVideoRelation', **rel)],
        inter_relation=dict(type='InterVideoRelation', **rel)))
    for p in head.parameters():
        torch.nn.init.normal_(p, std=0.3)
    emb, feats = torch.randn(n, 16), torch.randn(n, 16)
    labels = torch.tensor([0, 1, 2, 0] * (n // 4))
    videos = torch.arange(n) // (n // 3)
    return head, emb, feats, labels, videos


def test_miners_are_task_utils_chosen_in_the_config():
    from mmhvr.models import (BatchAllTripletMiner, HardestTripletMiner,
                              OutputTripletMiner)
    from mmhvr.registry import TASK_UTILS
    for cls in (HardestTripletMiner, BatchAllTripletMiner,
                OutputTripletMiner):
        assert type(TASK_UTILS.build(dict(type=cls.__name__))) is cls


def test_hardest_miner_attends_to_the_mined_rows_and_trains_qk_only():
    from mmhvr.models import HardestTripletMiner
    head, emb, feats, labels, videos = _head_and_pool()
    loss_fn = RelationTripletLoss(normalize=False)
    mined = HardestTripletMiner()(head, emb, feats, labels, videos, loss_fn)
    rel = head.inter_relation
    bank = head.inter_embedding(emb)
    keys, _ = rel.project_support(bank)
    anchor, pos, neg = mine_affinity_triplets(
        rel.affinity(feats, keys).sum(0), labels, 2)
    assert len(anchor) > 0
    rows = torch.unique(torch.cat([pos, neg]))
    torch.testing.assert_close(mined.inter.inter_keys, keys[rows])
    q = rel.query(feats)
    torch.testing.assert_close(mined.loss,
                               loss_fn(q[anchor], keys[pos], keys[neg]))
    assert 'acc_relation' in mined.log and mined.enhanced is None
    mined.loss.backward()
    assert rel.query.weight.grad.abs().sum() > 0
    assert head.fc2.weight.grad is None  # to_features=False


def test_batch_all_miner_attends_to_the_whole_pool():
    from mmhvr.models import BatchAllTripletMiner
    head, emb, feats, labels, videos = _head_and_pool()
    loss_fn = RelationTripletLoss(normalize=False)
    mined = BatchAllTripletMiner(to_features=True)(head, emb, feats, labels,
                                                   videos, loss_fn)
    assert len(mined.inter) == len(labels)
    mined.loss.backward()
    assert head.fc2.weight.grad.abs().sum() > 0  # to_features=True


def test_output_miner_matches_the_anchor_video_against_the_others():
    from mmhvr.models import OutputTripletMiner
    head, emb, feats, labels, videos = _head_and_pool()
    loss_fn = RelationTripletLoss(normalize=True)
    mined = OutputTripletMiner()(head, emb, feats, labels, videos, loss_fn)
    a = videos == 0
    sim = torch.nn.functional.normalize(feats[a], dim=1) @ \
        torch.nn.functional.normalize(feats[~a], dim=1).t()
    anchor, pos, neg = mine_hard_triplets(sim, labels[a], labels[~a], 2)
    rows = torch.unique(torch.cat([pos, neg]))
    assert len(mined.inter) == len(rows)
    e = mined.enhanced
    assert e.shape == feats.shape
    torch.testing.assert_close(
        mined.loss, loss_fn(e[a][anchor], e[~a][pos], e[~a][neg]))
