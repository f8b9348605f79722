"""SELSA's RoI head on the core: frame memories in, detections out."""
from typing import List, Optional

import torch
from mmdet.models.roi_heads import StandardRoIHead
from mmdet.models.utils import empty_instances, unpack_gt_instances
from mmdet.structures import DetDataSample
from mmdet.structures.bbox import bbox2roi
from mmengine.structures import InstanceData
from torch import Tensor

from mmhvr.registry import MODELS
from ..utils import full_precision
from ..video import FrameMemory


@MODELS.register_module()
class SelsaRoIHead(StandardRoIHead):
    """RoIAlign → :class:`SelsaBBoxHead`, references as frame memories.

    A frame's proposals become a :class:`FrameMemory` once
    (:meth:`frame_memories`: RoIAlign, the first shared fc and every
    aggregator's projections); a key frame's detections
    (:meth:`predict_key_frame`) attend to its references' memories, so
    nothing of a reference is recomputed per key frame. A key frame's own
    RoIs are its proposals and their first-fc output is its memory's
    ``embeddings`` (:meth:`key_embeddings`; Temporal RoI Align overrides
    it).
    """

    # -- memories ---------------------------------------------------------
    def roi_features(self, x: Tensor, rois: Tensor) -> Tensor:
        """RoIAlign (fp32, also under autocast): maps (F, C, h, w), rois
        (n, 5) → (n, C, 7, 7)."""
        with full_precision(x):
            return self.bbox_roi_extractor([x.float()], rois.float())

    def frame_memories(self,
                       x: Tensor,
                       proposals: List[Tensor],
                       with_inter: bool = False) -> List[FrameMemory]:
        """One :class:`FrameMemory` per frame.

        Args:
            x (Tensor): the frames' maps (F, C, h, w).
            proposals (list[Tensor]): F tensors (m_f, 4), xyxy in network
                input pixels.
            with_inter (bool): unused (the core's signature; SELSA has no
                inter-video relation).
        """
        bboxes = torch.cat(proposals)
        emb = self.bbox_head.embed(self.roi_features(x, bbox2roi(proposals)))
        mem = self.bbox_head.frame_memory(bboxes, emb)
        out, start = [], 0
        for p in proposals:
            out.append(mem[start:start + len(p)])
            start += len(p)
        return out

    def key_embeddings(self, key: FrameMemory,
                       refs: List[FrameMemory]) -> Tensor:
        """The key RoIs' first-fc output (n, d): the key frame's own
        memory's (plain RoIAlign)."""
        return key.embeddings

    def reference_rows(self,
                       refs: List[FrameMemory]) -> Optional[FrameMemory]:
        """The references' aggregator projections joined (the only fields
        the box head reads from them; per-frame metainfo such as a map left
        behind); None without references or aggregators."""
        fields = [f'agg{i}_{kind}'
                  for i in range(self.bbox_head.num_aggregators)
                  for kind in ('keys', 'values')]
        if not refs or not fields:
            return None
        return FrameMemory.cat([r.only(fields) for r in refs])

    # -- training ---------------------------------------------------------
    def loss(self, x: Tensor, rpn_results_list: List[InstanceData],
             batch_data_samples: List[DetDataSample],
             refs: List[List[FrameMemory]]) -> dict:
        """Box losses of K key frames (MMTracking's ``SelsaRoIHead.loss``).

        Args:
            x (Tensor): the key frames' maps (K, C, h, w).
            rpn_results_list (list[InstanceData]): their proposals.
            batch_data_samples (list[DetDataSample]): their samples.
            refs (list[list[FrameMemory]]): per key frame, its reference
                frames' memories.
        """
        gts, gts_ignore, _ = unpack_gt_instances(batch_data_samples)
        sampling_results = []
        for i, rpn_results in enumerate(rpn_results_list):
            rpn_results = rpn_results.clone()
            rpn_results.priors = rpn_results.pop('bboxes')
            assign = self.bbox_assigner.assign(rpn_results, gts[i],
                                               gts_ignore[i])
            sampling_results.append(
                self.bbox_sampler.sample(assign, rpn_results, gts[i]))
        sizes = [len(res.priors) for res in sampling_results]
        rois = bbox2roi([res.priors for res in sampling_results])
        roi_feats = self.roi_features(x, rois).split(sizes)
        cls, reg = [], []
        for k, (feats, res) in enumerate(zip(roi_feats, sampling_results)):
            key = FrameMemory(bboxes=res.priors,
                              embeddings=self.bbox_head.embed(feats))
            key.set_field(x[k:k + 1], 'feat_map', field_type='metainfo')
            ref = self.reference_rows(refs[k])
            c, r = self.bbox_head(self.key_embeddings(key, refs[k]), ref)
            cls.append(c)
            reg.append(r)
        return self.bbox_head.loss_and_target(
            torch.cat(cls), torch.cat(reg), rois, sampling_results,
            self.train_cfg)['loss_bbox']

    # -- testing ----------------------------------------------------------
    def predict_key_frame(self,
                          key: FrameMemory,
                          refs: List[FrameMemory],
                          img_meta: dict,
                          rescale: bool = True) -> InstanceData:
        """Detections of one key frame.

        Args:
            key (FrameMemory): the key frame's (its proposals are the RoIs).
            refs (list[FrameMemory]): the references, one per reference
                frame (repeats kept: a frame listed twice weighs twice).
            img_meta (dict): the key frame's metainfo.
        """
        if len(key) == 0:
            return empty_instances([img_meta],
                                   key.bboxes.device,
                                   task_type='bbox',
                                   num_classes=self.bbox_head.num_classes)[0]
        ref = self.reference_rows(refs)
        cls, reg = self.bbox_head(self.key_embeddings(key, refs), ref)
        with full_precision(cls):
            return self.bbox_head.predict_by_feat(
                (bbox2roi([key.bboxes]), ), (cls.float(), ), (reg.float(), ),
                [img_meta],
                rcnn_test_cfg=self.test_cfg,
                rescale=rescale)[0]
