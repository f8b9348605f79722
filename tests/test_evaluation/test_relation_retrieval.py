"""relation_retrieval: leave-one-out retrieval by an affinity matrix."""
import pytest
import torch

from mmhvr.evaluation import relation_retrieval


def test_a_class_preferring_affinity_retrieves_its_class():
    labels = torch.tensor([0, 0, 1, 1, 2])
    same = (labels[:, None] == labels[None, :]).float()
    res = relation_retrieval(10 * same, labels, classes=[0, 1])
    # class 2 is no query and no candidate: 3 candidates per query
    for c in (0, 1):
        assert res[c]['queries'] == 2
        assert res[c]['top1'] == 1.0
        assert res[c]['chance'] == pytest.approx(1 / 3)
        e = torch.exp(torch.tensor(10.0))
        assert res[c]['mass'] == pytest.approx(float(e / (e + 2)))
    assert res['mean']['queries'] == 4


def test_uniform_attention_is_at_chance_and_the_query_is_left_out():
    labels = torch.tensor([0, 0, 0, 1])
    # every row prefers itself: leaving it out must matter
    res = relation_retrieval(100 * torch.eye(4), labels)
    assert res[0]['mass'] == pytest.approx(2 / 3)
    assert res[0]['chance'] == pytest.approx(2 / 3)
    assert res[1]['mass'] == pytest.approx(0.0)
    assert res[1]['top1'] == 0.0


def test_an_affinity_preferring_the_other_class():
    labels = torch.tensor([0, 0, 1, 1])
    other = (labels[:, None] != labels[None, :]).float()
    res = relation_retrieval(5 * other, labels)
    assert res['mean']['top1'] == 0.0
    assert res['mean']['mass'] < res['mean']['chance']
    assert res[0]['mass'] == pytest.approx(
        1 / (1 + 2 * float(torch.exp(torch.tensor(5.0)))))


def test_relation_retrieval_checks_its_input():
    with pytest.raises(ValueError, match='affinity'):
        relation_retrieval(torch.zeros(3, 4), torch.zeros(3))
    with pytest.raises(ValueError, match='3 labels'):
        relation_retrieval(torch.zeros(4, 4), torch.zeros(3))


@pytest.mark.parametrize('labels', [[0, 1, 1], [1, 1, 1]])
def test_a_bank_with_fewer_than_two_candidates_gives_nan_not_a_crash(labels):
    # the compared class has at most one row: no candidate to retrieve
    labels = torch.tensor(labels)
    res = relation_retrieval(torch.randn(2, 3, 3), labels, classes=[0])
    assert res[0]['queries'] == int((labels == 0).sum())
    assert res[0]['top1'] != res[0]['top1']  # NaN
    assert res[0]['mass'] != res[0]['mass']
