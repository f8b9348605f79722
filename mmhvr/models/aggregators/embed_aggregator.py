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

    def forward(self, x: Tensor, ref_x: Tensor) -> Tensor:
        """Aggregate ``ref_x`` (T, C, h, w) for the key map ``x``
        (1, C, h, w) → (1, C, h, w)."""
        if x.dim() != 4 or x.shape[0] != 1 or ref_x.dim() != 4 \
                or ref_x.shape[1:] != x.shape[1:]:
            raise ValueError(f'EmbedAggregator needs x (1, C, h, w) and '
                             f'ref_x (T, C, h, w), got {tuple(x.shape)} and '
                             f'{tuple(ref_x.shape)}')
        weights = (self.embed(ref_x) * self.embed(x)).sum(dim=1, keepdim=True)
        weights = weights.softmax(dim=0)  # over the T references, per pixel
        return (ref_x * weights).sum(dim=0, keepdim=True)
