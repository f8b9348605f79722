"""Temporal RoI Align (Gong et al., AAAI 2021): RoI features of a key frame
enriched with the most similar features of its references' maps."""
from dataclasses import dataclass
from typing import List, Optional, Tuple

import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmdet.models.roi_heads.roi_extractors import SingleRoIExtractor
from torch import Tensor

from mmhvr.registry import MODELS


@dataclass
class ReferenceMap:
    """A reference frame's map, laid out once for Most Similar RoI Align.

    ``normed``: (C, H*W), every pixel's feature L2-normalised over C (an
    all-zero pixel stays 0);
    ``pixels``: (H*W, C), the unnormalised features; ``taps``: (9, H*W, C)
    the embedding conv's 3x3 taps applied to every pixel (made when first
    needed, without gradients; the frame memory holding this map is
    dropped when the weights change).
    """
    normed: Tensor
    pixels: Tensor
    taps: Optional[Tensor] = None


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
        fast_reference_embedding (bool): without gradients (testing),
            embed the most similar features through the per-frame conv
            taps instead of convolving (T * n) RoIs per key frame, one
            reference at a time (:meth:`streamed_temporal_features`, the
            same values up to float rounding).
        Others: as mmdet's ``SingleRoIExtractor``.
    """

    def __init__(self,
                 *args,
                 num_most_similar_points: int = 2,
                 num_temporal_attention_blocks: int = 4,
                 fast_reference_embedding: bool = True,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fast_reference_embedding = fast_reference_embedding
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
        return ReferenceMap(F.normalize(flat, dim=0), flat.t().contiguous())

    def most_similar_points(self, roi_feats: Tensor,
                            refs: List[ReferenceMap]
                            ) -> List[Tuple[Tensor, Tensor]]:
        """Per reference map, the K map pixels of highest cosine
        similarity to each RoI pixel of ``roi_feats`` (n, C, 7, 7) and the
        softmax of those similarities: ``(inds, weights)``, both
        (n*7*7, K), RoI pixels in (n, y, x) order."""
        q = self._queries(roi_feats)
        return [self._top_k(q, ref) for ref in refs]

    @staticmethod
    def _queries(roi_feats: Tensor) -> Tensor:
        """RoI features (n, C, h, w) → L2-normalised pixels (n*h*w, C),
        normalised in the (n, C, h, w) layout: the same rounding wherever
        they are needed, since a last-bit change flips near-tied top-K
        picks. F.normalize: MMTracking's x / |x| wherever |x| > 1e-12; an
        all-zero RoI pixel (a ReLU'd empty region) gets 0, not NaN."""
        c = roi_feats.shape[1]
        return F.normalize(roi_feats, dim=1).permute(0, 2, 3, 1).reshape(-1, c)

    def _top_k(self, q: Tensor, ref: ReferenceMap) -> Tuple[Tensor, Tensor]:
        """The K map pixels of ``ref`` most similar to each row of ``q``
        and the softmax of their similarities, both (rows, K)."""
        sims, inds = (q @ ref.normed).topk(
            self.num_most_similar_points, dim=1, largest=True)
        return inds, sims.softmax(dim=1)

    def most_similar(self, roi_feats: Tensor, refs: List[ReferenceMap],
                     points: Optional[List[Tuple[Tensor, Tensor]]] = None
                     ) -> Tensor:
        """RoI features (n, C, 7, 7) → their most similar features in each
        reference map (T, n, C, 7, 7): the map pixels of
        :meth:`most_similar_points` (or ``points``) weighted."""
        n, c, h, w = roi_feats.shape
        if points is None:
            points = self.most_similar_points(roi_feats, refs)
        out = [(ref.pixels[inds] * weights.unsqueeze(-1)).sum(dim=1)
               for ref, (inds, weights) in zip(refs, points)]
        return torch.stack(out).view(len(refs), n, h, w, c).permute(
            0, 1, 4, 2, 3)

    def _taps(self, ref: ReferenceMap) -> Tensor:
        if ref.taps is None:
            weight = self.embed_network.conv.weight  # (C, C, 3, 3)
            ref.taps = torch.stack([
                ref.pixels @ weight[:, :, i, j].t() for i in range(3)
                for j in range(3)
            ])
        return ref.taps

    def _reference_embedding(self, ref: ReferenceMap, inds: Tensor,
                             weights: Tensor, n: int, h: int,
                             w: int) -> Tensor:
        """``embed_network`` of one reference's most similar features
        without forming and convolving them, (n*h*w, C) in (n, y, x)
        order: the conv is linear, so each output pixel is the bias plus,
        over the 3x3 taps inside the RoI grid, the weighted sum of the
        tap's weights applied to the chosen map pixels
        (:attr:`ReferenceMap.taps`, once per frame)."""
        k = self.num_most_similar_points
        taps = self._taps(ref)  # (9, HW, C)
        hw = taps.shape[1]
        # the RoI grid padded by one (zero weights: conv's zero padding)
        inds = F.pad(inds.view(n, h, w, k), (0, 0, 1, 1, 1, 1))
        weights = F.pad(weights.view(n, h, w, k), (0, 0, 1, 1, 1, 1))
        # one bag of 9 * K (tap, map pixel) rows per output pixel
        bag_inds = torch.cat([
            inds[:, i:i + h, j:j + w] + (i * 3 + j) * hw for i in range(3)
            for j in range(3)
        ], dim=-1).reshape(n * h * w, -1)
        bag_weights = torch.cat([
            weights[:, i:i + h, j:j + w] for i in range(3) for j in range(3)
        ], dim=-1).reshape(n * h * w, -1)
        e = F.embedding_bag(bag_inds, taps.reshape(9 * hw, -1),
                            per_sample_weights=bag_weights, mode='sum')
        return e + self.embed_network.conv.bias

    def streamed_temporal_features(self, roi_feats: Tensor,
                                   refs: List[ReferenceMap]) -> Tensor:
        """:meth:`most_similar_points`, :meth:`most_similar` and
        :meth:`aggregate` with the per-frame conv taps (testing), one
        reference at a time in (pixel, channel) layout: the same values up
        to float rounding, without the (T+1, n, C, 7, 7) tensors (450 MB
        for 14 references and 300 RoIs at 512 channels) whose copies and
        elementwise passes cost more than the similarities.

        Args:
            roi_feats (Tensor): the key frame's RoI features (n, C, h, w).
            refs (list[ReferenceMap]): the references' maps.

        Returns:
            Tensor: the temporal RoI features (n, C, h, w).
        """
        n, c, h, w = roi_feats.shape
        g = self.num_temporal_attention_blocks
        p = n * h * w
        pixels = roi_feats.permute(0, 2, 3, 1).reshape(p, c)
        q = self._queries(roi_feats)
        key_embed = self.embed_network(roi_feats).permute(0, 2, 3, 1)
        key_embed = key_embed.reshape(p, g, c // g)
        feats = [pixels]
        logits = [(key_embed * key_embed).sum(dim=2)]  # (P, G) per frame
        for ref in refs:
            inds, weights = self._top_k(q, ref)
            feats.append(F.embedding_bag(inds, ref.pixels,
                                         per_sample_weights=weights,
                                         mode='sum'))
            embed = self._reference_embedding(ref, inds, weights, n, h, w)
            logits.append((embed.view(p, g, -1) * key_embed).sum(dim=2))
        attention = (torch.stack(logits) / (c / g)**0.5).softmax(dim=0)
        out = torch.zeros(p, g, c // g, dtype=pixels.dtype,
                          device=pixels.device)
        for f, a in zip(feats, attention):
            out.addcmul_(f.view(p, g, -1), a.unsqueeze(-1))
        return out.view(n, h, w, c).permute(0, 3, 1, 2).contiguous()

    def aggregate(self, roi_feats: Tensor, ref_roi_feats: Tensor) -> Tensor:
        """Temporal attentional aggregation: (n, C, 7, 7) with
        (T, n, C, 7, 7) → (n, C, 7, 7), a softmax over the T + 1 frames per
        channel group and pixel of ``embed(f) · embed(f_key) / sqrt(C/G)``
        (the training path; :meth:`streamed_temporal_features` tests)."""
        f = torch.cat((roi_feats[None], ref_roi_feats))  # (T+1, n, C, h, w)
        if self.num_temporal_attention_blocks <= 0:
            return f.mean(dim=0)
        t, n, c, h, w = f.shape
        g = self.num_temporal_attention_blocks
        e = self.embed_network(f.reshape(t * n, c, h, w))
        e = e.view(t, n, g, -1, h, w)
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
        if self.fast_reference_embedding and \
                self.num_temporal_attention_blocks > 0 and \
                not torch.is_grad_enabled():
            return self.streamed_temporal_features(roi_feats, ref_maps)
        points = self.most_similar_points(roi_feats, ref_maps)
        ref_roi = self.most_similar(roi_feats, ref_maps, points)
        return self.aggregate(roi_feats, ref_roi)
