"""HVRBBoxHead.forward(key, supports, inter=None) on hand-built inputs:
the two levels as the paper writes them, from the relations' public
forward, and the frame memories that feed it."""
import pytest
import torch

from mmhvr.models import FrameMemory
from mmhvr.registry import MODELS


@pytest.fixture
def head():
    torch.manual_seed(0)
    rel = dict(in_channels=16, num_heads=4)
    h = MODELS.build(dict(
        type='HVRBBoxHead', in_channels=2, roi_feat_size=2,
        fc_out_channels=16, num_classes=3,
        intra_relations=[dict(type='IntraVideoRelation', **rel),
                         dict(type='IntraVideoRelation', **rel)],
        inter_relation=dict(type='InterVideoRelation', **rel)))
    for p in h.parameters():  # visible effects everywhere
        torch.nn.init.normal_(p, std=0.3)
    return h


def memory_of(head, emb, with_inter=True):
    return head.frame_memory(torch.zeros(len(emb), 4), emb, with_inter)


def test_forward_is_fc_intra1_fc_intra2_then_head_a(head):
    relu = torch.relu
    key, sup = torch.randn(5, 16), torch.randn(7, 16)
    out = head(key, memory_of(head, sup))
    r1, r2 = head.intra_relations
    z = relu(r2(head.fc2(relu(r1(key, sup))), head.fc2(relu(sup))))
    torch.testing.assert_close(out.feats, z)
    torch.testing.assert_close(out.cls_intra, head.fc_cls_intra(z))
    torch.testing.assert_close(out.reg_intra, head.fc_reg_intra(z))
    assert out.cls_intra.shape == (5, 4) and out.reg_intra.shape == (5, 12)
    assert out.cls is None and out.reg is None


def test_forward_with_other_videos_runs_the_inter_relation_and_head_b(head):
    relu = torch.relu
    key, sup, other = torch.randn(5, 16), torch.randn(7, 16), \
        torch.randn(9, 16)
    out = head(key, memory_of(head, sup), memory_of(head, other).inter())
    e = head.inter_relation(out.feats, relu(head.fc2(relu(other))))
    torch.testing.assert_close(out.cls, head.fc_cls(e))
    torch.testing.assert_close(out.reg, head.fc_reg(e))
    # head A does not depend on the other videos
    torch.testing.assert_close(out.cls_intra,
                               head(key, memory_of(head, sup)).cls_intra)


def test_supports_join_by_rows_in_any_order(head):
    key = torch.randn(4, 16)
    a, b = torch.randn(3, 16), torch.randn(6, 16)
    joined = FrameMemory.cat([memory_of(head, a), memory_of(head, b)])
    assert len(joined) == 9
    together = head(key, memory_of(head, torch.cat([a, b])))
    torch.testing.assert_close(head(key, joined).cls_intra,
                               together.cls_intra, atol=1e-5, rtol=1e-5)
    perm = torch.randperm(9)
    torch.testing.assert_close(head(key, joined[perm]).cls_intra,
                               together.cls_intra, atol=1e-5, rtol=1e-5)


def test_memories_hold_inter_projections_only_when_asked(head):
    emb = torch.randn(3, 16)
    plain, full = memory_of(head, emb, False), memory_of(head, emb, True)
    assert not plain.has_projection('inter') and full.has_projection('inter')
    assert set(full.inter().keys()) == {'inter_keys', 'inter_values'}
    keys, values = head.inter_relation.project_support(
        head.inter_embedding(emb))
    torch.testing.assert_close(full.inter_keys, keys)
    torch.testing.assert_close(head.inter_memory(emb).inter_values, values)
    with pytest.raises(AssertionError):  # one row per proposal
        plain.extra = torch.zeros(4)
