"""RoI head of HVR-Net: frame memories, relations, two heads."""
import warnings
from typing import List, Optional

import torch
from mmdet.models.roi_heads import StandardRoIHead
from mmdet.models.task_modules.samplers import SamplingResult
from mmdet.models.utils import empty_instances, unpack_gt_instances
from mmdet.structures import DetDataSample
from mmdet.structures.bbox import bbox2roi
from mmdet.utils import ConfigType
from mmengine.structures import InstanceData
from torch import Tensor

from mmhvr.registry import MODELS, TASK_UTILS
from ..utils import full_precision
from ..video import FrameMemory

# the options the miners replaced, and the miner each pair means
_OLD_MINING = {
    ('query_key', 'hardest'): 'HardestTripletMiner',
    ('query_key', 'all'): 'BatchAllTripletMiner',
    ('output', 'hardest'): 'OutputTripletMiner',
}


def upgrade_triplet_options(triplet_miner: Optional[ConfigType],
                            old: dict) -> ConfigType:
    """The miner config meant by the deprecated ``triplet_space``,
    ``triplet_mining`` and ``triplet_to_features`` options (``old``, the
    ones given), with a deprecation warning; ``triplet_miner`` as is
    without them."""
    if not old:
        return triplet_miner
    if triplet_miner is not None:
        raise ValueError(
            'roi_head: give triplet_miner or the deprecated '
            f'{sorted(old)}, not both')
    space = old.get('triplet_space', 'query_key')
    mining = old.get('triplet_mining', 'hardest')
    if (space, mining) not in _OLD_MINING:
        raise ValueError(
            f'roi_head: triplet_space={space!r} with triplet_mining='
            f'{mining!r} is not a miner (known: {sorted(_OLD_MINING)})')
    cfg = dict(type=_OLD_MINING[(space, mining)])
    if space == 'query_key':
        cfg['to_features'] = bool(old.get('triplet_to_features', False))
    elif old.get('triplet_to_features'):
        raise ValueError("roi_head: triplet_to_features applies to "
                         "triplet_space='query_key' only")
    warnings.warn(
        f'roi_head.{"/".join(sorted(old))} are deprecated: use '
        f'roi_head.triplet_miner={cfg}', DeprecationWarning, stacklevel=3)
    return cfg


@MODELS.register_module()
class HVRRoIHead(StandardRoIHead):
    """RoIAlign → :class:`HVRBBoxHead` with intra- and inter-video relations.

    A frame's proposals are turned once into a :class:`FrameMemory`
    (:meth:`frame_memories`); key frames attend to their supports'
    memories, so nothing of a support frame is recomputed per key frame.

    Args:
        triplet_loss (dict, optional): the relation loss
            (``RelationTripletLoss``), stage 2.
        triplet_miner (dict): the proposal-level triplet selection, a task
            util: ``HardestTripletMiner`` (default), ``BatchAllTripletMiner``
            or ``OutputTripletMiner`` (see
            :mod:`mmhvr.models.task_modules.triplet_miners`).
        triplet_space, triplet_mining, triplet_to_features: deprecated,
            upgraded to ``triplet_miner`` with a warning.
    """

    def __init__(self,
                 *args,
                 triplet_loss: Optional[ConfigType] = None,
                 triplet_miner: Optional[ConfigType] = None,
                 **kwargs) -> None:
        old = {k: kwargs.pop(k) for k in ('triplet_space', 'triplet_mining',
                                          'triplet_to_features')
               if k in kwargs}
        super().__init__(*args, **kwargs)
        triplet_miner = upgrade_triplet_options(triplet_miner, old) or dict(
            type='HardestTripletMiner')
        self.triplet_miner = TASK_UTILS.build(triplet_miner)
        self.triplet_loss = MODELS.build(triplet_loss) \
            if triplet_loss is not None else None

    # -- memories ---------------------------------------------------------
    def frame_memories(self, x: Tensor, proposals: List[Tensor],
                       with_inter: bool) -> List[FrameMemory]:
        """One :class:`FrameMemory` per frame.

        Args:
            x (Tensor): the frames' feature maps (F, C, h, w).
            proposals (list[Tensor]): F tensors (m_f, 4) xyxy in the
                network input's coordinates.
            with_inter (bool): with the inter relation's projections.
        """
        bboxes = torch.cat(proposals)
        embeddings = self.bbox_head.embed(
            self.roi_features(x, bbox2roi(proposals)))
        mem = self.bbox_head.frame_memory(bboxes, embeddings, with_inter)
        out, start = [], 0
        for p in proposals:
            out.append(mem[start:start + len(p)])
            start += len(p)
        return out

    def roi_features(self, x: Tensor, rois: Tensor) -> Tensor:
        """RoIAlign (fp32, also under autocast) → (n, C, 7, 7)."""
        with full_precision(x):
            return self.bbox_roi_extractor([x.float()], rois.float())

    # -- training ---------------------------------------------------------
    def loss(self,
             x: Tensor,
             rpn_results_list: List[InstanceData],
             batch_data_samples: List[DetDataSample],
             supports: List[FrameMemory],
             roi_videos: Optional[List[int]] = None) -> dict:
        """Losses on K key frames.

        Args:
            x (Tensor): key frames' feature maps (K, C, h, w).
            rpn_results_list (list[InstanceData]): key frames' proposals.
            batch_data_samples (list[DetDataSample]): key frames' samples.
            supports (list[FrameMemory]): per key frame, its video's frames.
            roi_videos (list[int], optional): with the inter-video branch
                (stage 2): each key frame's video in the triplet (0 anchor,
                1 positive, 2 negative); the relation loss and head B then
                train too.
        """
        gts, gts_ignore, _ = unpack_gt_instances(batch_data_samples)
        sampling_results: List[SamplingResult] = []
        for i, rpn_results in enumerate(rpn_results_list):
            rpn_results = rpn_results.clone()
            rpn_results.priors = rpn_results.pop('bboxes')
            assign_result = self.bbox_assigner.assign(rpn_results, gts[i],
                                                      gts_ignore[i])
            sampling_results.append(
                self.bbox_sampler.sample(assign_result, rpn_results, gts[i]))

        rois = bbox2roi([res.priors for res in sampling_results])
        q1 = self.bbox_head.embed(self.roi_features(x, rois))
        sizes = [len(res.priors) for res in sampling_results]
        outs = [
            self.bbox_head(q, sup) for q, sup in zip(q1.split(sizes),
                                                     supports)
        ]
        z = torch.cat([o.feats for o in outs])
        labels, label_weights, bbox_targets, bbox_weights = \
            self.bbox_head.get_targets(sampling_results, self.train_cfg)

        losses = dict()
        loss_a = self.bbox_head.loss(
            torch.cat([o.cls_intra for o in outs]),
            torch.cat([o.reg_intra for o in outs]), rois, labels,
            label_weights, bbox_targets, bbox_weights)
        losses.update({f'{k}_intra': v for k, v in loss_a.items()})
        if roi_videos is None:
            return losses

        if self.triplet_loss is None:
            raise ValueError('roi_head.triplet_loss is needed to train the '
                             'inter-video relation (stage 2)')
        videos = torch.cat([
            q1.new_full((n, ), v, dtype=torch.long)
            for n, v in zip(sizes, roi_videos)
        ])
        mined = self.triplet_miner(self.bbox_head, q1, z, labels, videos,
                                   self.triplet_loss)
        e = mined.enhanced
        if e is None:
            e = self.bbox_head.inter_relation.attend(
                z, *mined.inter.projection('inter'))
        cls_b, reg_b = self.bbox_head.head_final(e)
        losses.update(
            self.bbox_head.loss(cls_b, reg_b, rois, labels, label_weights,
                                bbox_targets, bbox_weights))
        losses['loss_relation'] = mined.loss
        losses.update(mined.log)
        return losses

    # -- testing ----------------------------------------------------------
    def predict_key_frame(self,
                          key: FrameMemory,
                          supports: FrameMemory,
                          inter: Optional[FrameMemory],
                          img_meta: dict,
                          rescale: bool = True,
                          branch: str = 'final') -> InstanceData:
        """Detections of one key frame.

        Args:
            key (FrameMemory): the key frame's (its proposals are the RoIs).
            supports (FrameMemory): what the intra relations attend to.
            inter (FrameMemory, optional): what the inter-video relation
                attends to; required for ``branch='final'``.
            img_meta (dict): the key frame's metainfo.
            branch (str): ``'final'`` (head B, after the inter relation) or
                ``'intra'`` (head A; stage 1 has only this one).
        """
        if branch not in ('final', 'intra'):
            raise ValueError(
                f"test_cfg.branch must be 'final' or 'intra', got {branch!r}")
        if len(key) == 0:
            return empty_instances([img_meta],
                                   key.bboxes.device,
                                   task_type='bbox',
                                   num_classes=self.bbox_head.num_classes)[0]
        out = self.bbox_head(key.embeddings, supports,
                             inter if branch == 'final' else None)
        cls, reg = (out.cls, out.reg) if branch == 'final' else \
            (out.cls_intra, out.reg_intra)
        rois = bbox2roi([key.bboxes])
        with full_precision(cls):
            return self.bbox_head.predict_by_feat(
                (rois, ), (cls.float(), ), (reg.float(), ), [img_meta],
                rcnn_test_cfg=self.test_cfg, rescale=rescale)[0]
