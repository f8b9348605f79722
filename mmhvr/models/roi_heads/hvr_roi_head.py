"""RoI head of HVR-Net: proposal memories per frame, relations, two heads."""
from typing import Dict, List, Optional, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmdet.models.roi_heads import StandardRoIHead
from mmdet.models.task_modules.samplers import SamplingResult
from mmdet.models.utils import empty_instances, unpack_gt_instances
from mmdet.structures import DetDataSample
from mmdet.structures.bbox import bbox2roi
from mmdet.utils import ConfigType
from mmengine.structures import InstanceData
from torch import Tensor

from mmhvr.registry import MODELS
from ..utils import (full_precision, mine_affinity_triplets,
                     mine_hard_triplets, relation_accuracy)
from .hvr_bbox_head import cat_projections

FrameMemory = Dict[str, object]


def merge_memories(memories: Sequence[FrameMemory]) -> FrameMemory:
    """Union of several frames' memories (what a key frame attends to)."""
    return dict(
        intra1=cat_projections([m['intra1'] for m in memories]),
        intra2=cat_projections([m['intra2'] for m in memories]),
        inter=cat_projections([m['inter'] for m in memories]))


@MODELS.register_module()
class HVRRoIHead(StandardRoIHead):
    """RoIAlign → :class:`HVRBBoxHead` with intra- and inter-video relations.

    A frame's proposals are turned once into a *memory*
    (:meth:`frame_memory`): fc1 embeddings and the relations' projected
    keys/values. Key frames attend to the merged memories of their support
    frames; nothing of a support frame is recomputed per key frame.

    Args:
        triplet_loss (dict, optional): config of the relation loss
            (``RelationTripletLoss``), used when ``loss`` is asked for the
            inter-video branch (training stage 2).
        triplet_space (str): where proposal triplets are mined and the
            relation loss is measured. ``'query_key'``: in the inter-video
            relation's own query/key embeddings, mined by its affinity
            ``q·k/sqrt(d)`` over the key-frame RoIs of all three videos
            (the authors' code; pair with ``normalize=False``).
            ``'output'``: on the relation's output features, anchor-video
            RoIs against the other videos' by cosine similarity (mmhvr's
            first variant; pair with ``normalize=True``).
        triplet_mining (str): ``'query_key'`` only. ``'hardest'``: per
            anchor RoI its lowest-affinity positive and highest-affinity
            negative (the authors' code), and those RoIs are the bank head
            B's RoIs attend to. ``'all'``: every valid triplet of the pool,
            averaged over the active ones
            (``RelationTripletLoss.batch_all``), and the whole pool is the
            bank.
        triplet_to_features (bool): ``'query_key'`` only: let the relation
            loss's gradient reach the features the embeddings are computed
            from (RoI head fcs, intra relations, conv5). ``False`` (the
            toy and R101 configs) trains the inter-video relation's query
            and key projections only: with it on, the loss never helped on
            the toy set and hurt more as lambda grew (README's ablation).
    """
    TRIPLET_SPACES = ('query_key', 'output')
    TRIPLET_MINING = ('hardest', 'all')

    def __init__(self,
                 *args,
                 triplet_loss: Optional[ConfigType] = None,
                 triplet_space: str = 'output',
                 triplet_mining: str = 'hardest',
                 triplet_to_features: bool = True,
                 **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if triplet_space not in self.TRIPLET_SPACES:
            raise ValueError(f'triplet_space must be one of '
                             f'{self.TRIPLET_SPACES}, got {triplet_space!r}')
        if triplet_mining not in self.TRIPLET_MINING:
            raise ValueError(f'triplet_mining must be one of '
                             f'{self.TRIPLET_MINING}, got {triplet_mining!r}')
        if triplet_mining != 'hardest' and triplet_space != 'query_key':
            raise ValueError("triplet_mining='all' needs "
                             "triplet_space='query_key'")
        self.triplet_space = triplet_space
        self.triplet_mining = triplet_mining
        self.triplet_to_features = triplet_to_features
        self.triplet_loss = MODELS.build(triplet_loss) \
            if triplet_loss is not None else None

    # -- memories ---------------------------------------------------------
    def frame_memory(self, x: Tensor,
                     proposals: List[Tensor]) -> List[FrameMemory]:
        """Memories of F frames.

        Args:
            x (Tensor): 256-channel feature maps (F, C, h, w).
            proposals (list[Tensor]): F tensors (m_f, 4) xyxy in the
                network input's coordinates.

        Returns:
            list[dict]: per frame ``proposals``, ``s1`` (m_f, d) fc1
            embeddings, ``bank`` (m_f, d) and the relations' projections.
        """
        s1 = self.bbox_head.embed(self.roi_features(x, bbox2roi(proposals)))
        mem = self.bbox_head.support_memory(s1)
        sizes = [len(p) for p in proposals]
        per_frame = [dict(proposals=p) for p in proposals]
        for key, value in dict(s1=s1, **mem).items():
            parts = value.split(sizes) if isinstance(value, Tensor) else \
                list(zip(*[v.split(sizes) for v in value]))
            for frame, part in zip(per_frame, parts):
                frame[key] = part
        return per_frame

    def roi_features(self, x: Tensor, rois: Tensor) -> Tensor:
        """RoIAlign (fp32, also under autocast) → (n, C, 7, 7)."""
        with full_precision(x):
            return self.bbox_roi_extractor([x.float()], rois.float())

    # -- training ---------------------------------------------------------
    def loss(self,
             x: Tensor,
             rpn_results_list: List[InstanceData],
             batch_data_samples: List[DetDataSample],
             video_memories: List[FrameMemory],
             with_inter: bool = False) -> dict:
        """Losses on V key frames, one per video.

        Args:
            x (Tensor): key frames' feature maps (V, C, h, w).
            rpn_results_list (list[InstanceData]): key frames' proposals.
            batch_data_samples (list[DetDataSample]): key frames' samples.
            video_memories (list[dict]): per video, the merged memory of its
                frames (see :func:`merge_memories`).
            with_inter (bool): also run the inter-video relation (video 0 is
                the anchor, the others its positive and negative), head B
                and the relation loss (stage 2).
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
        feats = [
            self.bbox_head.intra_forward(q, mem['intra1'], mem['intra2'])
            for q, mem in zip(q1.split(sizes), video_memories)
        ]
        z = torch.cat(feats)
        labels, label_weights, bbox_targets, bbox_weights = \
            self.bbox_head.get_targets(sampling_results, self.train_cfg)

        losses = dict()
        cls_a, reg_a = self.bbox_head.head_intra(z)
        loss_a = self.bbox_head.loss(cls_a, reg_a, rois, labels,
                                     label_weights, bbox_targets,
                                     bbox_weights)
        losses.update({f'{k}_intra': v for k, v in loss_a.items()})
        if not with_inter:
            return losses

        assert len(sizes) >= 2, 'the inter-video relation needs >= 2 videos'
        if self.triplet_space == 'query_key':
            e, loss_rel, acc_rel = self._inter_train_query_key(q1, z, labels)
            losses['acc_relation'] = acc_rel
        else:
            e, loss_rel = self._inter_train_output(q1, z, labels, sizes)
        cls_b, reg_b = self.bbox_head.head_final(e)
        losses.update(
            self.bbox_head.loss(cls_b, reg_b, rois, labels, label_weights,
                                bbox_targets, bbox_weights))
        losses['loss_relation'] = loss_rel
        return losses

    def _inter_train_query_key(self, q1: Tensor, z: Tensor, labels: Tensor
                               ) -> Tuple[Tensor, Tensor, Tensor]:
        """Mining and loss in the inter-video relation's query/key space.

        Every sampled key-frame RoI of the three videos is a query (its
        intra(2) feature ``z``) and a candidate (its bank embedding); the
        mined positives and negatives are the bank every RoI attends to.

        Returns:
            tuple[Tensor]: enhanced features (N, d), the relation loss and
            :func:`relation_accuracy` of the affinity (logged).
        """
        relation = self.bbox_head.inter_relation
        bank = self.bbox_head.support_memory(q1)['bank']
        query = relation.query(z)  # (N, dk)
        keys, values = relation.project_support(bank)  # (N, dk), (N, d)
        affinity = (query.detach() @ keys.detach().t()) * \
            relation.head_channels**-0.5
        num_classes = self.bbox_head.num_classes
        acc = relation_accuracy(affinity, labels, num_classes)
        if self.triplet_to_features:
            q_loss, k_loss = query, keys
        else:  # the same embeddings, gradient to Wq/Wk only
            q_loss = relation.query(z.detach())
            k_loss = relation.key(bank.detach())
        if self.triplet_mining == 'all':
            loss = self.triplet_loss.batch_all(q_loss, k_loss, labels,
                                               num_classes)
            return self.bbox_head.inter_forward(z, (keys, values)), loss, acc
        anchor, pos, neg = mine_affinity_triplets(affinity.float(), labels,
                                                  num_classes)
        loss = self.triplet_loss(q_loss[anchor], k_loss[pos], k_loss[neg])
        if len(anchor) > 0:
            rows = torch.unique(torch.cat([pos, neg]))
            keys, values = keys[rows], values[rows]
        return self.bbox_head.inter_forward(z, (keys, values)), loss, acc

    def _inter_train_output(self, q1: Tensor, z: Tensor, labels: Tensor,
                            sizes: List[int]) -> Tuple[Tensor, Tensor]:
        """Mining by cosine similarity of intra(2) features, loss on the
        relation's output (mmhvr's first variant).

        Anchor-video RoIs (the first ``sizes[0]`` rows) are matched against
        the other videos' RoIs; the hardest positives and negatives form the
        bank that every RoI of the group attends to.

        Returns:
            tuple[Tensor]: enhanced features (N, d) and the relation loss.
        """
        n_a = sizes[0]
        sim = F.normalize(z[:n_a].detach(), dim=1) @ \
            F.normalize(z[n_a:].detach(), dim=1).t()
        anchor, pos, neg = mine_hard_triplets(sim, labels[:n_a],
                                              labels[n_a:],
                                              self.bbox_head.num_classes)
        bank = self.bbox_head.support_memory(q1[n_a:])['bank']
        if len(anchor) > 0:
            bank = bank[torch.unique(torch.cat([pos, neg]))]
        inter = self.bbox_head.inter_relation.project_support(bank)
        e = self.bbox_head.inter_forward(z, inter)
        loss = self.triplet_loss(e[:n_a][anchor], e[n_a:][pos],
                                 e[n_a:][neg])
        return e, loss

    # -- testing ----------------------------------------------------------
    def predict_key_frame(self,
                          key: FrameMemory,
                          supports: FrameMemory,
                          bank: Optional[FrameMemory],
                          img_meta: dict,
                          rescale: bool = True,
                          branch: str = 'final') -> InstanceData:
        """Detections of one key frame.

        Args:
            key (dict): the key frame's memory (its proposals are the RoIs).
            supports (dict): merged memory the intra relations attend to.
            bank (dict, optional): merged memory the inter-video relation
                attends to; required for ``branch='final'``.
            img_meta (dict): the key frame's metainfo.
            branch (str): ``'final'`` (head B, after the inter relation) or
                ``'intra'`` (head A; stage 1 has only this one).
        """
        proposals = key['proposals']
        if proposals.shape[0] == 0:
            return empty_instances([img_meta],
                                   proposals.device,
                                   task_type='bbox',
                                   num_classes=self.bbox_head.num_classes)[0]
        z = self.bbox_head.intra_forward(key['s1'], supports['intra1'],
                                         supports['intra2'])
        if branch == 'intra':
            cls, reg = self.bbox_head.head_intra(z)
        elif branch == 'final':
            e = self.bbox_head.inter_forward(z, bank['inter'])
            cls, reg = self.bbox_head.head_final(e)
        else:
            raise ValueError(
                f"test_cfg.branch must be 'final' or 'intra', got {branch!r}")
        rois = bbox2roi([proposals])
        with full_precision(cls):
            return self.bbox_head.predict_by_feat(
                (rois, ), (cls.float(), ), (reg.float(), ), [img_meta],
                rcnn_test_cfg=self.test_cfg, rescale=rescale)[0]
