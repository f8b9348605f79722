"""Temporal RoI Align's RoI head: SELSA with temporal key RoI features."""
from typing import List

from mmdet.structures.bbox import bbox2roi
from torch import Tensor

from mmhvr.registry import MODELS
from ..utils import full_precision
from ..video import FrameMemory
from .selsa_roi_head import SelsaRoIHead
from .temporal_roi_extractor import ReferenceMap


@MODELS.register_module()
class TemporalRoIAlignRoIHead(SelsaRoIHead):
    """:class:`SelsaRoIHead` whose key RoI features come from a
    :class:`TemporalRoIAlignExtractor` over the references' maps
    (references' own RoIs use plain RoIAlign, as in MMTracking).

    Each frame's memory carries its map (metainfo ``feat_map``, (1, C, h,
    w)) and its :class:`ReferenceMap` (``ref_map``), made once per frame.
    """

    def frame_memories(self,
                       x: Tensor,
                       proposals: List[Tensor],
                       with_inter: bool = False) -> List[FrameMemory]:
        mems = super().frame_memories(x, proposals, with_inter)
        for i, mem in enumerate(mems):
            feat = x[i:i + 1].float()
            # set_field: kept as is (set_metainfo would deep-copy the map)
            mem.set_field(feat, 'feat_map', field_type='metainfo')
            mem.set_field(self.bbox_roi_extractor.reference_map(feat),
                          'ref_map', field_type='metainfo')
        return mems

    def key_embeddings(self, key: FrameMemory,
                       refs: List[FrameMemory]) -> Tensor:
        """The key RoIs' temporal RoI features (against every reference's
        map, repeats kept) through the first shared fc → (n, d)."""
        maps = [self._ref_map(r) for r in refs]
        with full_precision(key.feat_map):
            feats = self.bbox_roi_extractor([key.feat_map.float()],
                                            bbox2roi([key.bboxes]).float(),
                                            ref_maps=maps or None)
        return self.bbox_head.embed(feats)

    def _ref_map(self, mem: FrameMemory) -> ReferenceMap:
        if 'ref_map' not in mem.metainfo_keys():
            return self.bbox_roi_extractor.reference_map(mem.feat_map)
        return mem.ref_map
