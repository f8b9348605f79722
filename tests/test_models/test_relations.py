import pytest
import torch

from mmhvr.models import InterVideoRelation, IntraVideoRelation
from mmhvr.registry import MODELS


@pytest.fixture(params=[IntraVideoRelation, InterVideoRelation])
def block(request):
    torch.manual_seed(0)
    m = request.param(in_channels=32, num_heads=4)
    m.init_weights()
    for p in m.parameters():  # larger than init so effects are visible
        torch.nn.init.normal_(p, std=0.2)
    return m


def test_shape_and_residual(block):
    q, s = torch.randn(5, 32), torch.randn(7, 32)
    out = block(q, s)
    assert out.shape == q.shape
    assert not torch.allclose(out, q)


def test_order_invariance(block):
    q, s = torch.randn(5, 32), torch.randn(9, 32)
    perm = torch.randperm(9)
    torch.testing.assert_close(block(q, s), block(q, s[perm]), atol=1e-5,
                               rtol=1e-5)


def test_empty_support_and_empty_query(block):
    q = torch.randn(4, 32, requires_grad=True)
    out = block(q, torch.zeros(0, 32))
    assert torch.equal(out, q) and torch.isfinite(out).all()
    out.sum().backward()
    assert torch.equal(q.grad, torch.ones_like(q))
    assert block(torch.zeros(0, 32), torch.randn(3, 32)).shape == (0, 32)


def test_gradients_reach_projections_and_query(block):
    q = torch.randn(5, 32, requires_grad=True)
    block(q, torch.randn(6, 32)).pow(2).sum().backward()
    for layer in (block.query, block.key, block.value, block.out):
        assert layer.weight.grad is not None
        assert layer.weight.grad.abs().sum() > 0
    assert q.grad.abs().sum() > 0


def test_cached_projections_equal_forward(block):
    q, s1, s2 = torch.randn(5, 32), torch.randn(4, 32), torch.randn(3, 32)
    k1, v1 = block.project_support(s1)
    k2, v2 = block.project_support(s2)
    cached = block.attend(q, torch.cat([k1, k2]), torch.cat([v1, v2]))
    torch.testing.assert_close(cached, block(q, torch.cat([s1, s2])))


def test_attention_is_a_softmax_over_support():
    m = IntraVideoRelation(in_channels=8, num_heads=1)
    with torch.no_grad():
        for layer in (m.query, m.key, m.value, m.out):
            layer.weight.copy_(torch.eye(8))
            layer.bias.zero_()
    q = torch.zeros(1, 8)
    s = torch.eye(8)[:2] * 3
    # q is zero: equal logits, so the context is the mean of the values
    torch.testing.assert_close(m(q, s), s.mean(0, keepdim=True))


def test_matches_the_multi_head_formula():
    """out = Q + concat_h(softmax(Q Wq_h (S Wk_h)^T / sqrt(dk)) S Wv_h) Wo."""
    torch.manual_seed(0)
    m = IntraVideoRelation(in_channels=32, num_heads=4, key_channels=16)
    for layer in (m.query, m.key, m.value, m.out):
        torch.nn.init.normal_(layer.weight, std=0.3)
    q, s = torch.randn(6, 32), torch.randn(11, 32)
    qh = m.query(q).view(6, 4, 4).transpose(0, 1)
    kh = m.key(s).view(11, 4, 4).transpose(0, 1)
    vh = m.value(s).view(11, 4, 8).transpose(0, 1)
    attn = (qh @ kh.transpose(1, 2) / 2.0).softmax(-1)
    expected = q + m.out((attn @ vh).transpose(0, 1).reshape(6, 32))
    torch.testing.assert_close(m(q, s), expected)


def test_fp32_softmax_under_bf16_autocast(block):
    """Under bf16 autocast the projections run in bf16 (autocast's choice)
    but the attention (q k^T, softmax, weighted sum) in fp32: the output
    equals an fp64 attention over the block's own bf16 projections, up to
    the final rounding of the context to bf16 (which may flip a rare
    element). Attention computed in bf16 changes about a quarter of the
    output elements."""
    q, s = torch.randn(5, 32) * 3, torch.randn(300, 32) * 3
    with torch.autocast('cpu', dtype=torch.bfloat16):
        out = block(q, s)
        qp = block.query(q)
        kp, vp = block.project_support(s)
    assert qp.dtype == kp.dtype == vp.dtype == torch.bfloat16
    n, m, h = q.shape[0], s.shape[0], block.num_heads
    qh = qp.double().view(n, h, -1).transpose(0, 1)
    kh = kp.double().view(m, h, -1).transpose(0, 1)
    vh = vp.double().view(m, h, -1).transpose(0, 1)
    attn = (qh @ kh.transpose(1, 2) / qh.shape[-1]**0.5).softmax(-1)
    context = (attn @ vh).transpose(0, 1).reshape(n, -1)
    with torch.autocast('cpu', dtype=torch.bfloat16):
        expected = q + block.out(context.to(torch.bfloat16))
    assert out.dtype == expected.dtype == torch.float32
    mismatched = (out != expected).float().mean().item()
    assert mismatched <= 0.02, f'{mismatched:.0%} of the outputs differ'


def test_registry_build_and_validation():
    m = MODELS.build(dict(type='IntraVideoRelation', in_channels=64))
    assert m(torch.randn(2, 64), torch.randn(3, 64)).shape == (2, 64)
    with pytest.raises(ValueError, match='divisible'):
        InterVideoRelation(in_channels=30, num_heads=4)


def test_unprojected_value_with_relu_matches_the_formula():
    """The authors' form: single head, values = the support rows, no output
    projection, ReLU after the residual: relu(Q + softmax(qk^T/sqrt(d)) S)."""
    from mmhvr.models import InterVideoRelation
    torch.manual_seed(0)
    m = InterVideoRelation(in_channels=16, num_heads=1, project_value=False,
                           residual_relu=True)
    m.init_weights()
    assert not hasattr(m, 'value') and not hasattr(m, 'out')
    q, s = torch.randn(5, 16), torch.randn(7, 16)
    attn = torch.softmax(m.query(q) @ m.key(s).t() / 16**0.5, dim=1)
    expected = torch.relu(q + attn @ s)
    torch.testing.assert_close(m(q, s), expected)
    assert (m(q, s[:0]) == torch.relu(q)).all()
    # gradients reach the query/key projections and the query
    q.requires_grad_(True)
    m(q, s).sum().backward()
    assert m.query.weight.grad.abs().sum() > 0 and q.grad is not None


def test_affinity_is_the_logits_attention_uses():
    """affinity() gives per-head logits (H, n, m): softmax of each head's
    logits, applied to that head's values, is exactly what attend() adds
    to the query."""
    torch.manual_seed(0)
    m = IntraVideoRelation(in_channels=32, num_heads=4, key_channels=16)
    for layer in (m.query, m.key, m.value, m.out):
        torch.nn.init.normal_(layer.weight, std=0.3)
    q, s = torch.randn(6, 32), torch.randn(11, 32)
    keys, values = m.project_support(s)
    aff = m.affinity(q, keys)
    assert aff.shape == (4, 6, 11)
    qh = m.query(q).view(6, 4, 4).transpose(0, 1)
    kh = keys.view(11, 4, 4).transpose(0, 1)
    torch.testing.assert_close(aff, qh @ kh.transpose(1, 2) / 2.0)
    vh = values.view(11, 4, 8).transpose(0, 1)
    context = (aff.softmax(-1) @ vh).transpose(0, 1).reshape(6, 32)
    torch.testing.assert_close(m.attend(q, keys, values), q + m.out(context))
    # summed over heads it is the full-width q.k / sqrt(dk) of the miners
    torch.testing.assert_close(aff.sum(0), m.query(q) @ keys.t() / 2.0)
