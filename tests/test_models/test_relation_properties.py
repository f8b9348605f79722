"""Properties of the relation block over generated shapes (hypothesis):
support-order invariance, query-order equivariance, residual on empty
support."""
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from mmhvr.models import InterVideoRelation, IntraVideoRelation
from tests_helpers import examples

SETTINGS = settings(max_examples=examples(25), deadline=None)


@st.composite
def relation_inputs(draw):
    heads = draw(st.sampled_from([1, 2, 4]))
    d = heads * draw(st.integers(1, 4)) * 2
    n, m = draw(st.integers(1, 12)), draw(st.integers(1, 40))
    seed = draw(st.integers(0, 2**16))
    cls = draw(st.sampled_from([IntraVideoRelation, InterVideoRelation]))
    g = torch.Generator().manual_seed(seed)
    block = cls(in_channels=d, num_heads=heads)
    with torch.no_grad():
        for p in block.parameters():
            p.copy_(torch.randn(p.shape, generator=g) * 0.5)
    q = torch.randn(n, d, generator=g) * 2
    s = torch.randn(m, d, generator=g) * 2
    perm_s = torch.randperm(m, generator=g)
    perm_q = torch.randperm(n, generator=g)
    return block, q, s, perm_s, perm_q


@SETTINGS
@given(relation_inputs())
def test_output_does_not_depend_on_the_support_order(inputs):
    block, q, s, perm_s, _ = inputs
    torch.testing.assert_close(block(q, s[perm_s]), block(q, s), atol=1e-5,
                               rtol=1e-5)


@SETTINGS
@given(relation_inputs())
def test_each_query_row_is_enhanced_independently(inputs):
    block, q, s, _, perm_q = inputs
    out = block(q, s)
    assert out.shape == q.shape
    torch.testing.assert_close(block(q[perm_q], s), out[perm_q], atol=1e-5,
                               rtol=1e-5)
    torch.testing.assert_close(block(q[:1], s), out[:1], atol=1e-5,
                               rtol=1e-5)


@SETTINGS
@given(relation_inputs())
def test_duplicating_the_whole_support_changes_nothing(inputs):
    """Attention is a weighted mean: every support row twice gives the same
    weights to the same values."""
    block, q, s, _, _ = inputs
    torch.testing.assert_close(block(q, torch.cat([s, s])), block(q, s),
                               atol=1e-5, rtol=1e-5)


@SETTINGS
@given(relation_inputs())
def test_empty_support_returns_the_query(inputs):
    block, q, s, _, _ = inputs
    assert torch.equal(block(q, s[:0]), q)

