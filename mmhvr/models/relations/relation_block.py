"""Proposal-level multi-head attention, the building block of HVR-Net."""
from typing import Optional, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F
from mmengine.model import BaseModule
from torch import Tensor

from mmhvr.registry import MODELS


@MODELS.register_module()
class RelationBlock(BaseModule):
    """Query proposals attend to support proposals.

    ``A = softmax((Q Wq)(S Wk)^T / sqrt(dk))`` row-wise per head and
    ``out = Q + concat_h(A_h · S Wv_h) · Wo``. The support's projections
    ``(S Wk, S Wv)`` depend on the support alone, so they can be computed
    once per frame (:meth:`project_support`) and concatenated across frames;
    :meth:`attend` takes them. The result does not depend on the order of
    the support rows; with no support (m = 0) the output is Q.

    Args:
        in_channels (int): d, the proposal feature width.
        num_heads (int): attention heads; d must be divisible by it.
        key_channels (int, optional): total width of queries/keys over all
            heads (defaults to d).
        project_value (bool): ``False`` uses the support rows themselves as
            values and adds the attended context without an output
            projection, ``out = Q + A·S``.
        residual_relu (bool): a ReLU after the residual sum.
    """

    def __init__(self,
                 in_channels: int,
                 num_heads: int = 16,
                 key_channels: Optional[int] = None,
                 project_value: bool = True,
                 residual_relu: bool = False,
                 init_cfg=dict(
                     type='Normal', std=0.01, layer='Linear')) -> None:
        super().__init__(init_cfg=init_cfg)
        key_channels = key_channels or in_channels
        if in_channels % num_heads or key_channels % num_heads:
            raise ValueError(
                f'in_channels ({in_channels}) and key_channels '
                f'({key_channels}) must be divisible by num_heads '
                f'({num_heads})')
        self.in_channels = in_channels
        self.num_heads = num_heads
        self.key_channels = key_channels
        self.head_channels = key_channels // num_heads
        self.query = nn.Linear(in_channels, key_channels)
        self.key = nn.Linear(in_channels, key_channels)
        self.project_value = project_value
        self.residual_relu = residual_relu
        if project_value:
            self.value = nn.Linear(in_channels, in_channels)
            self.out = nn.Linear(in_channels, in_channels)

    def project_support(self, support: Tensor) -> Tuple[Tensor, Tensor]:
        """Support (m, d) → keys (m, key_channels), values (m, d)."""
        values = self.value(support) if self.project_value else support
        return self.key(support), values

    def affinity(self, query: Tensor, keys: Tensor) -> Tensor:
        """The attention logits, per head: ``(Q Wq)_h (S Wk)_h^T / sqrt(dk)``.

        Args:
            query (Tensor): (n, d) query proposals (before ``Wq``).
            keys (Tensor): (m, key_channels) projected support keys (the
                first item of :meth:`project_support`).

        Returns:
            Tensor: (num_heads, n, m); ``softmax`` over the last dimension
            is head h's attention (what :meth:`attend` uses).
        """
        return self.head_logits(self.query(query), keys)

    def head_logits(self, queries: Tensor, keys: Tensor) -> Tensor:
        """:meth:`affinity` from projected queries (n, key_channels) and
        keys (m, key_channels) → (num_heads, n, m)."""
        n, m, h = queries.shape[0], keys.shape[0], self.num_heads
        q = queries.view(n, h, -1).transpose(0, 1)
        k = keys.view(m, h, -1).transpose(0, 1)
        return (q @ k.transpose(1, 2)) * self.head_channels**-0.5

    def attend(self, query: Tensor, keys: Tensor, values: Tensor) -> Tensor:
        """Query (n, d) attends to projected support → (n, d)."""
        n, m, h = query.shape[0], keys.shape[0], self.num_heads
        if m == 0 or n == 0:  # keep the graph alive
            return self._residual(query, 0 * self.query.bias.sum())
        q = self.query(query).view(n, h, -1).transpose(0, 1)  # (h, n, dk)
        k = keys.view(m, h, -1).transpose(0, 1)  # (h, m, dk)
        v = values.view(m, h, -1).transpose(0, 1)  # (h, m, dv)
        # softmax(affinity) v, in fp32 even under bf16/fp16 autocast; the
        # fused kernel computes the same logits as affinity() without
        # holding the (h, n, m) matrix (faster on the CPU at large m)
        with torch.autocast(query.device.type, enabled=False):
            context = F.scaled_dot_product_attention(
                q.float()[None], k.float()[None], v.float()[None])[0]
        context = context.to(v.dtype).transpose(0, 1).reshape(n, -1)
        if self.project_value:
            context = self.out(context)
        return self._residual(query, context)

    def _residual(self, query: Tensor, context: Tensor) -> Tensor:
        out = query + context
        return out.relu() if self.residual_relu else out

    def forward(self, query: Tensor, support: Tensor) -> Tensor:
        """Query (n, d), support (m, d) → enhanced query (n, d)."""
        return self.attend(query, *self.project_support(support))
