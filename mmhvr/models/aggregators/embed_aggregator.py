"""FGFA's embedding-weighted aggregation of warped feature maps."""
from typing import Optional

import torch
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor

from mmhvr.registry import MODELS


@MODELS.register_module()
class EmbedAggregator(BaseModule):
    """Per-pixel adaptive weights from embedding cosine similarity (FGFA,
    Zhu et al., ICCV 2017), as MMTracking ``dev-1.x`` computes them.

    An embedding (``num_convs`` convs, the last without norm and
    activation) of the key map and of every reference map, L2-normalised
    over channels; per pixel, the softmax over the references of their
    cosine similarity with the key weights the references' sum.

    Args:
        num_convs (int): embedding convs (>= 1).
        channels (int): channels of the maps and of the embedding.
        kernel_size (int): kernel of the embedding convs.
        norm_cfg, act_cfg (dict, optional): after every conv but the last.
    """

    def __init__(self,
                 num_convs: int,
                 channels: int,
                 kernel_size: int,
                 norm_cfg: Optional[dict] = None,
                 act_cfg: Optional[dict] = dict(type='ReLU'),
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        if num_convs < 1:
            raise ValueError(f'EmbedAggregator.num_convs must be >= 1, got '
                             f'{num_convs}')
        self.embed_convs = torch.nn.ModuleList()
        for i in range(num_convs):
            last = i == num_convs - 1
            self.embed_convs.append(
                ConvModule(channels, channels, kernel_size,
                           padding=(kernel_size - 1) // 2,
                           norm_cfg=None if last else norm_cfg,
                           act_cfg=None if last else act_cfg))

    def embed(self, x: Tensor) -> Tensor:
        """(T, C, h, w) maps → their L2-normalised embeddings."""
        for conv in self.embed_convs:
            x = conv(x)
        return x / x.norm(p=2, dim=1, keepdim=True)

    def forward(self,
                x: Tensor,
                ref_x: Tensor,
                index: Optional[Tensor] = None,
                key_row: Optional[int] = None) -> Tensor:
        """Aggregate the window ``ref_x`` (T, C, h, w) for the key map ``x``
        (1, C, h, w) → (1, C, h, w).

        With ``index`` (T',) the window is ``ref_x[index]`` (rows may
        repeat), each row embedded once; with ``key_row``, ``ref_x[key_row]``
        is ``x`` itself and its embedding is reused. Both give the same
        values as the plain window up to float rounding.
        """
        if x.dim() != 4 or x.shape[0] != 1 or ref_x.dim() != 4 \
                or ref_x.shape[1:] != x.shape[1:]:
            raise ValueError(f'EmbedAggregator needs x (1, C, h, w) and '
                             f'ref_x (T, C, h, w), got {tuple(x.shape)} and '
                             f'{tuple(ref_x.shape)}')
        embeds = self.embed(ref_x)
        key_embed = self.embed(x) if key_row is None else \
            embeds[key_row:key_row + 1]
        weights = (embeds * key_embed).sum(dim=1, keepdim=True)
        if index is None:
            weights = weights.softmax(dim=0)  # over the T maps, per pixel
            return (ref_x * weights).sum(dim=0, keepdim=True)
        weights = weights[index].softmax(dim=0)  # over the window's T'
        # a row's weight: the sum over its repeats in the window
        per_row = weights.new_zeros(embeds[:, :1].shape)
        per_row.index_add_(0, index, weights)
        return (ref_x * per_row).sum(dim=0, keepdim=True)
