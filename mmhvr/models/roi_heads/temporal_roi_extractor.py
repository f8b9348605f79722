"""Temporal RoI Align (Gong et al., AAAI 2021): RoI features of a key frame
enriched with the most similar features of its references' maps."""
from typing import List, NamedTuple, Optional

import torch
from mmcv.cnn import ConvModule
from mmdet.models.roi_heads.roi_extractors import SingleRoIExtractor
from torch import Tensor

from mmhvr.registry import MODELS


class ReferenceMap(NamedTuple):
    """A reference frame's map, laid out once for Most Similar RoI Align.

    ``normed``: (C, H*W), every pixel's feature L2-normalised over C;
    ``pixels``: (H*W, C), the unnormalised features.
    """
    normed: Tensor
    pixels: Tensor


@MODELS.register_module()
class TemporalRoIAlignExtractor(SingleRoIExtractor):
    """RoIAlign, then (for a key frame's RoIs, when references are given)
    Most Similar RoI Align on every reference map and the temporal
    attentional feature aggregation (docs/mmtrack_methods.md §4).

    Args:
        num_most_similar_points (int): K, map pixels kept per RoI pixel and
            reference frame.
        num_temporal_attention_blocks (int): channel groups of the temporal
            attention; 0 averages the RoI and its most similar features.
        Others: as mmdet's ``SingleRoIExtractor``.
    """

    def __init__(self,
                 *args,
                 num_most_similar_points: int = 2,
                 num_temporal_attention_blocks: int = 4,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.num_most_similar_points = num_most_similar_points
        self.num_temporal_attention_blocks = num_temporal_attention_blocks
        if num_temporal_attention_blocks > 0:
            if self.out_channels % num_temporal_attention_blocks:
                raise ValueError(
                    f'out_channels ({self.out_channels}) must be divisible '
                    'by num_temporal_attention_blocks '
                    f'({num_temporal_attention_blocks})')
            self.embed_network = ConvModule(
                self.out_channels,
                self.out_channels,
                3,
                padding=1,
                norm_cfg=None,
                act_cfg=None)

    @staticmethod
    def reference_map(feat: Tensor) -> ReferenceMap:
        """One frame's map (1, C, H, W) (or (C, H, W)) → its
        :class:`ReferenceMap` (computed once per frame)."""
        feat = feat.reshape(-1, *feat.shape[-2:])
        c = feat.shape[0]
        flat = feat.reshape(c, -1)
        return ReferenceMap(flat / flat.norm(p=2, dim=0, keepdim=True),
                            flat.t().contiguous())

    def most_similar(self, roi_feats: Tensor,
                     refs: List[ReferenceMap]) -> Tensor:
        """RoI features (n, C, 7, 7) → their most similar features in each
        reference map (T, n, C, 7, 7): per RoI pixel, the K map pixels of
        highest cosine similarity, weighted by the softmax of those
        similarities."""
        n, c, h, w = roi_feats.shape
        q = roi_feats / roi_feats.norm(p=2, dim=1, keepdim=True)
        q = q.permute(0, 2, 3, 1).reshape(-1, c)  # (n*h*w, C)
        out = []
        for ref in refs:
            sims, inds = (q @ ref.normed).topk(
                self.num_most_similar_points, dim=1, largest=True)
            weights = sims.softmax(dim=1).unsqueeze(-1)  # (n*h*w, K, 1)
            out.append((ref.pixels[inds] * weights).sum(dim=1))
        return torch.stack(out).view(len(refs), n, h, w, c).permute(
            0, 1, 4, 2, 3)

    def aggregate(self, roi_feats: Tensor, ref_roi_feats: Tensor) -> Tensor:
        """Temporal attentional aggregation: (n, C, 7, 7) with
        (T, n, C, 7, 7) → (n, C, 7, 7), a softmax over the T + 1 frames per
        channel group and pixel of ``embed(f) · embed(f_key) / sqrt(C/G)``."""
        f = torch.cat((roi_feats[None], ref_roi_feats))  # (T+1, n, C, h, w)
        if self.num_temporal_attention_blocks <= 0:
            return f.mean(dim=0)
        t, n, c, h, w = f.shape
        g = self.num_temporal_attention_blocks
        e = self.embed_network(f.reshape(t * n, c, h, w)).view(
            t, n, g, -1, h, w)
        logits = (e * e[:1]).sum(dim=3, keepdim=True) / (c / g)**0.5
        weights = logits.softmax(dim=0).expand(-1, -1, -1, c // g, -1, -1)
        return (f * weights.reshape(t, n, c, h, w)).sum(dim=0)

    def forward(self,
                feats,
                rois: Tensor,
                roi_scale_factor: Optional[float] = None,
                ref_maps: Optional[List[ReferenceMap]] = None) -> Tensor:
        """RoIAlign of ``rois`` (n, 5) on ``feats`` → (n, C, 7, 7); with
        ``ref_maps`` (the references' :meth:`reference_map`) the temporal
        RoI features (n, C, 7, 7)."""
        roi_feats = super().forward(feats, rois, roi_scale_factor)
        if ref_maps is None or not len(roi_feats):
            return roi_feats
        return self.aggregate(roi_feats, self.most_similar(roi_feats,
                                                           ref_maps))
