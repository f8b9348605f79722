"""The HVR-Net box head: fc → intra(1) → fc → intra(2) → head A → inter → head B."""
from typing import List, Sequence, Tuple

import torch
import torch.nn as nn
from mmdet.models.roi_heads.bbox_heads import BBoxHead
from mmdet.utils import ConfigType
from torch import Tensor

from mmhvr.registry import MODELS

KV = Tuple[Tensor, ...]


def cat_projections(projections: Sequence[KV]) -> KV:
    """Concatenate cached support projections of several frames.

    Each item is what ``RelationBlock.project_support`` returned for one
    frame; the result is the projection of the union of their supports.
    """
    projections = list(projections)
    if len(projections) == 1:
        return projections[0]
    return tuple(torch.cat(parts, dim=0) for parts in zip(*projections))


@MODELS.register_module()
class HVRBBoxHead(BBoxHead):
    """Box head of HVR-Net.

    Proposal features flow ``fc1 → intra(1) → relu → fc2 → intra(2) → relu``
    and then into two heads: head A (``fc_cls_intra``/``fc_reg_intra``, the
    "intra(2)" branch) and, after the inter-video relation, head B (the
    inherited ``fc_cls``/``fc_reg``, the final detections).

    Support proposals go through the same fcs without relations; their
    relation keys/values are computed once per frame (:meth:`support_memory`)
    so that every key frame reuses them.

    Args:
        fc_out_channels (int): width of fc1/fc2 (paper: 1024).
        intra_relations (list[dict]): configs of intra(1) and intra(2).
        inter_relation (dict): config of the inter-video relation.
    """

    def __init__(self,
                 fc_out_channels: int,
                 intra_relations: List[ConfigType],
                 inter_relation: ConfigType,
                 *args,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        assert not self.with_avg_pool, 'HVRBBoxHead flattens RoI features'
        assert self.with_cls and self.with_reg
        assert len(intra_relations) == 2, 'HVR-Net has two intra relations'
        self.fc_out_channels = fc_out_channels
        self.fc1 = nn.Linear(self.in_channels * self.roi_feat_area,
                             fc_out_channels)
        self.fc2 = nn.Linear(fc_out_channels, fc_out_channels)
        self.intra_relations = nn.ModuleList(
            [MODELS.build(cfg) for cfg in intra_relations])
        self.inter_relation = MODELS.build(inter_relation)
        self.relu = nn.ReLU()
        # BBoxHead sized the predictors for flattened RoIs; HVR-Net's heads
        # read the fc width. Head B keeps mmdet's names (fc_cls/fc_reg) so
        # mmdet's loss/predict code applies; head A is the intra(2) branch.
        num_cls, num_reg = self.fc_cls.out_features, self.fc_reg.out_features
        self.fc_cls = nn.Linear(fc_out_channels, num_cls)
        self.fc_reg = nn.Linear(fc_out_channels, num_reg)
        self.fc_cls_intra = nn.Linear(fc_out_channels, num_cls)
        self.fc_reg_intra = nn.Linear(fc_out_channels, num_reg)
        if isinstance(self.init_cfg, list):
            self.init_cfg = self.init_cfg + [
                dict(type='Normal', std=0.01,
                     override=dict(name='fc_cls_intra')),
                dict(type='Normal', std=0.001,
                     override=dict(name='fc_reg_intra')),
                dict(type='Xavier', distribution='uniform',
                     override=[dict(name='fc1'), dict(name='fc2')])
            ]

    # -- embeddings -----------------------------------------------------
    def embed(self, roi_feats: Tensor) -> Tensor:
        """RoI features (n, C, 7, 7) → fc1 embeddings (n, d), pre-ReLU."""
        return self.fc1(roi_feats.flatten(1))

    def support_memory(self, s1: Tensor) -> dict:
        """Relation memory of one frame's proposals.

        Args:
            s1 (Tensor): fc1 embeddings (m, d) of the frame's proposals.

        Returns:
            dict: ``intra1``/``intra2``/``inter`` projections (what each
            relation's ``project_support`` returns) and ``bank`` (m, d),
            the level-2 embeddings the inter-video relation attends to.
        """
        s2 = self.fc2(self.relu(s1))
        bank = self.relu(s2)
        return dict(
            intra1=self.intra_relations[0].project_support(s1),
            intra2=self.intra_relations[1].project_support(s2),
            inter=self.inter_relation.project_support(bank),
            bank=bank)

    def intra_forward(self, q1: Tensor, intra1: KV, intra2: KV) -> Tensor:
        """Key proposals' fc1 embeddings (n, d) → intra(2) features (n, d).

        ``intra1``/``intra2`` are the concatenated support projections of
        the frames the key frame attends to.
        """
        x = self.relu(self.intra_relations[0].attend(q1, *intra1))
        x = self.fc2(x)
        return self.relu(self.intra_relations[1].attend(x, *intra2))

    def inter_forward(self, x: Tensor, inter: KV) -> Tensor:
        """Intra(2) features (n, d) attend to a proposal bank → (n, d)."""
        return self.inter_relation.attend(x, *inter)

    def head_intra(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        """Head A: (n, d) → cls (n, C+1), reg (n, 4C)."""
        return self.fc_cls_intra(x), self.fc_reg_intra(x)

    @torch.no_grad()
    def init_final_from_intra(self) -> None:
        """Copy head A's weights into head B (the stage-2 start)."""
        self.fc_cls.load_state_dict(self.fc_cls_intra.state_dict())
        self.fc_reg.load_state_dict(self.fc_reg_intra.state_dict())

    @torch.no_grad()
    def init_inter_from_intra(self) -> None:
        """Copy the intra(2) relation's weights into the inter-video
        relation (an option of the stage-2 start)."""
        src, dst = self.intra_relations[1], self.inter_relation
        theirs = src.state_dict()
        if {k: v.shape for k, v in theirs.items()} != {
                k: v.shape for k, v in dst.state_dict().items()}:
            raise ValueError(
                'inter_from_intra needs the inter-video relation built like '
                'the intra(2) relation (same parameters and shapes)')
        dst.load_state_dict(theirs)

    def head_final(self, x: Tensor) -> Tuple[Tensor, Tensor]:
        """Head B: (n, d) → cls (n, C+1), reg (n, 4C)."""
        return self.fc_cls(x), self.fc_reg(x)
