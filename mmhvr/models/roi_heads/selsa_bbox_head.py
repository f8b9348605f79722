"""SELSA's box head (Wu et al., ICCV 2019) on the video-detector core."""
from typing import Optional, Tuple

from mmdet.models.roi_heads.bbox_heads import ConvFCBBoxHead
from mmdet.utils import OptConfigType
import torch.nn.functional as F
from torch import Tensor, nn

from mmhvr.registry import MODELS
from ..video import FrameMemory


@MODELS.register_module()
class SelsaBBoxHead(ConvFCBBoxHead):
    """Shared fcs with one aggregator after each (before its ReLU).

    For each shared fc ``i`` (MMTracking's ``SelsaBBoxHead.forward``)::

        x = fc_i(x); ref = fc_i(ref)
        x = x + aggregator_i(x, ref)     # RelationBlock: the residual too
        x = relu(x); ref = relu(ref)

    then ``fc_cls``/``fc_reg`` (ReLUs out of place: a frame's first-fc
    output is kept in its memory). A reference's path does not depend on the
    key frame, so :meth:`frame_memory` runs it once per frame and keeps
    each aggregator's key/value projections (fields ``agg{i}_keys``,
    ``agg{i}_values``); :meth:`forward` takes them. Without ``aggregator``
    this is mmdet's ``Shared2FCBBoxHead`` (the single-frame detector), with
    mmdet's parameter names.

    Args:
        aggregator (dict, optional): one per shared fc, e.g.
            ``dict(type='RelationBlock', in_channels=1024, num_heads=16)``
            (SELSA's aggregator: docs/mmtrack_methods.md §3).
        Others: as mmdet's ``ConvFCBBoxHead`` (no shared convs, no
            separate branches).
    """

    def __init__(self,
                 *args,
                 aggregator: OptConfigType = None,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.num_shared_convs or self.num_cls_convs or self.num_cls_fcs \
                or self.num_reg_convs or self.num_reg_fcs or \
                self.num_shared_fcs < 1:
            raise ValueError('SelsaBBoxHead: shared fcs only (>= 1), no '
                             'convs or separate branches')
        self.aggregator = None
        if aggregator is not None:
            self.aggregator = nn.ModuleList(
                [MODELS.build(aggregator)
                 for _ in range(self.num_shared_fcs)])

    @property
    def num_aggregators(self) -> int:
        return 0 if self.aggregator is None else len(self.aggregator)

    def embed(self, roi_feats: Tensor) -> Tensor:
        """RoI features (n, C, 7, 7) → the first shared fc's output (n, d),
        before its ReLU (what the first aggregator sees)."""
        return self.shared_fcs[0](roi_feats.flatten(1))

    def frame_memory(self, bboxes: Tensor, embeddings: Tensor) -> FrameMemory:
        """A frame's proposals (m, 4) with their :meth:`embed` output
        (m, d) as a reference: every aggregator's projections."""
        mem = FrameMemory(bboxes=bboxes, embeddings=embeddings)
        ref = embeddings
        for i in range(self.num_aggregators):
            if i:
                ref = self.shared_fcs[i](F.relu(ref))
            keys, values = self.aggregator[i].project_support(ref)
            setattr(mem, f'agg{i}_keys', keys)
            setattr(mem, f'agg{i}_values', values)
        return mem

    def forward(self, x: Tensor,
                ref: Optional[FrameMemory] = None) -> Tuple[Tensor, Tensor]:
        """Key RoIs' :meth:`embed` output (n, d) attending to the
        references' rows ``ref`` (a :class:`FrameMemory` of
        :meth:`frame_memory`; may be None without aggregators) → class
        scores (n, C+1), box deltas (n, 4C)."""
        if self.num_aggregators and ref is None:
            raise ValueError('SelsaBBoxHead with aggregators needs the '
                             'references\' memory')
        for i in range(self.num_shared_fcs):
            if i:
                x = self.shared_fcs[i](x)
            if i < self.num_aggregators:
                x = self.aggregator[i].attend(x, *ref.projection(f'agg{i}'))
            x = F.relu(x)
        return self.fc_cls(x), self.fc_reg(x)
