"""The HVR-Net box head: fc1 → intra(1) → fc2 → intra(2) → head A, and
inter → head B."""
from typing import List, NamedTuple, Optional

import torch
import torch.nn as nn
from mmdet.models.roi_heads.bbox_heads import BBoxHead
from mmdet.utils import ConfigType
from torch import Tensor

from mmhvr.registry import MODELS
from ..video import FrameMemory


class HVRHeadOutput(NamedTuple):
    """What :meth:`HVRBBoxHead.forward` gives for n key RoIs.

    ``feats``: intra(2) features (n, d); ``cls_intra``/``reg_intra``: head
    A (n, C+1)/(n, 4C); ``cls``/``reg``: head B, None without ``inter``.
    """
    feats: Tensor
    cls_intra: Tensor
    reg_intra: Tensor
    cls: Optional[Tensor] = None
    reg: Optional[Tensor] = None


@MODELS.register_module()
class HVRBBoxHead(BBoxHead):
    """Box head of HVR-Net.

    Key RoI features flow ``fc1 → intra(1) → relu → fc2 → intra(2) →
    relu`` into head A (``fc_cls_intra``/``fc_reg_intra``) and, after the
    inter-video relation, head B (the inherited ``fc_cls``/``fc_reg``, the
    final detections). Support proposals go through the same fcs without
    relations; :meth:`frame_memory` turns a frame's proposals once into the
    relations' projections, so every key frame reuses them.

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

    # -- per frame ------------------------------------------------------
    def embed(self, roi_feats: Tensor) -> Tensor:
        """RoI features (n, C, 7, 7) → fc1 embeddings (n, d), pre-ReLU."""
        return self.fc1(roi_feats.flatten(1))

    def inter_embedding(self, embeddings: Tensor) -> Tensor:
        """fc1 embeddings (m, d) → what the inter-video relation attends
        to (m, d): ``relu(fc2(relu(.)))``, a support's level-2 feature."""
        return self.relu(self.fc2(self.relu(embeddings)))

    def frame_memory(self, bboxes: Tensor, embeddings: Tensor,
                     with_inter: bool) -> FrameMemory:
        """A frame's (or several frames') proposals as support memory.

        Args:
            bboxes (Tensor): (m, 4) proposals.
            embeddings (Tensor): (m, d) their fc1 embeddings.
            with_inter (bool): also the inter relation's projections (only
                where head B runs).
        """
        s2 = self.fc2(self.relu(embeddings))
        k1, v1 = self.intra_relations[0].project_support(embeddings)
        k2, v2 = self.intra_relations[1].project_support(s2)
        mem = FrameMemory(bboxes=bboxes, embeddings=embeddings,
                          intra1_keys=k1, intra1_values=v1,
                          intra2_keys=k2, intra2_values=v2)
        if with_inter:
            mem.inter_keys, mem.inter_values = \
                self.inter_relation.project_support(self.relu(s2))
        return mem

    def inter_memory(self, embeddings: Tensor) -> FrameMemory:
        """Only the inter relation's projections of proposals with fc1
        ``embeddings`` (m, d) (a bank of other videos)."""
        keys, values = self.inter_relation.project_support(
            self.inter_embedding(embeddings))
        return FrameMemory(inter_keys=keys, inter_values=values)

    # -- key RoIs -------------------------------------------------------
    def intra(self, key: Tensor, supports: FrameMemory) -> Tensor:
        """Key RoIs' fc1 embeddings (n, d) attend to ``supports`` (their
        video's frames) → intra(2) features (n, d)."""
        x = self.relu(self.intra_relations[0].attend(
            key, *supports.projection('intra1')))
        x = self.fc2(x)
        return self.relu(self.intra_relations[1].attend(
            x, *supports.projection('intra2')))

    def final(self, feats: Tensor, inter: FrameMemory):
        """Intra(2) features (n, d) attend to other videos' proposals
        (``inter``) → head B's cls (n, C+1), reg (n, 4C)."""
        return self.head_final(
            self.inter_relation.attend(feats, *inter.projection('inter')))

    def head_intra(self, x: Tensor):
        """Head A: (n, d) → cls (n, C+1), reg (n, 4C)."""
        return self.fc_cls_intra(x), self.fc_reg_intra(x)

    def head_final(self, x: Tensor):
        """Head B: (n, d) → cls (n, C+1), reg (n, 4C)."""
        return self.fc_cls(x), self.fc_reg(x)

    def forward(self,
                key: Tensor,
                supports: FrameMemory,
                inter: Optional[FrameMemory] = None) -> HVRHeadOutput:
        """Key RoIs through both levels.

        Args:
            key (Tensor): (n, d) fc1 embeddings of the key frame's RoIs.
            supports (FrameMemory): the key frame's video (intra).
            inter (FrameMemory, optional): other videos' proposals (inter
                projections); head B runs only with it.
        """
        z = self.intra(key, supports)
        out = HVRHeadOutput(z, *self.head_intra(z))
        if inter is not None:
            cls, reg = self.final(z, inter)
            out = out._replace(cls=cls, reg=reg)
        return out

    # -- stage-2 start --------------------------------------------------
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
