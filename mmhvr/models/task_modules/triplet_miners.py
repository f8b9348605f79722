"""Proposal-level triplet selection of HVR-Net's stage 2 (task utils).

A miner gets the sampled key-frame RoIs of a video triplet (anchor,
positive, negative videos) and decides what the inter-video relation
attends to in training and what the relation loss is measured on. It is
chosen in the config: ``roi_head.triplet_miner=dict(type=...)``.
"""
from typing import Dict, NamedTuple, Optional

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from mmhvr.registry import TASK_UTILS
from ..utils import mine_affinity_triplets, mine_hard_triplets, \
    relation_accuracy
from ..video import FrameMemory


class MinedBank(NamedTuple):
    """A miner's result.

    ``inter``: the proposals every RoI attends to (inter projections);
    ``loss``: the relation loss; ``enhanced``: the RoIs' inter-relation
    output (n, d) when the miner computed it (else the head does);
    ``log``: extra figures to log.
    """
    inter: FrameMemory
    loss: Tensor
    enhanced: Optional[Tensor] = None
    log: Dict[str, Tensor] = {}


class _QueryKeyMiner:
    """Mining and loss in the inter-video relation's query/key space.

    Every sampled key-frame RoI of the three videos is a query (its
    intra(2) feature) and a candidate (its level-2 embedding, what the
    relation attends to); the score of a pair is the relation's affinity
    summed over its heads, ``q·k/sqrt(dk)``.

    Args:
        to_features (bool): let the loss's gradient reach the features the
            embeddings come from (RoI fcs, intra relations, conv5);
            ``False`` trains the relation's query/key projections only.
    """

    def __init__(self, to_features: bool = False) -> None:
        self.to_features = to_features

    def __call__(self, head: nn.Module, embeddings: Tensor, feats: Tensor,
                 labels: Tensor, roi_videos: Tensor,
                 loss_fn: nn.Module) -> MinedBank:
        """Args:
            head (HVRBBoxHead): the box head.
            embeddings (Tensor): (N, d) fc1 embeddings of the RoIs.
            feats (Tensor): (N, d) their intra(2) features.
            labels (Tensor): (N, ) RoI labels (``num_classes``: background).
            roi_videos (Tensor): (N, ) each RoI's video in the triplet
                (0 anchor, 1 positive, 2 negative).
            loss_fn (RelationTripletLoss): the relation loss.
        """
        relation = head.inter_relation
        num_classes = head.num_classes
        bank = head.inter_embedding(embeddings)
        query = relation.query(feats)  # (N, dk)
        keys, values = relation.project_support(bank)  # (N, dk), (N, d)
        affinity = relation.head_logits(query.detach(),
                                        keys.detach()).sum(0)
        acc = relation_accuracy(affinity, labels, num_classes)
        if self.to_features:
            q_loss, k_loss = query, keys
        else:  # the same embeddings, gradient to Wq/Wk only
            q_loss = relation.query(feats.detach())
            k_loss = relation.key(bank.detach())
        rows, loss = self.select(affinity, labels, num_classes, q_loss,
                                 k_loss, loss_fn)
        inter = FrameMemory(inter_keys=keys, inter_values=values)
        if rows is not None:
            inter = inter[rows]
        return MinedBank(inter, loss, log=dict(acc_relation=acc))

    def select(self, affinity, labels, num_classes, q_loss, k_loss, loss_fn):
        """(rows of the pool attended to or None for all, loss)."""
        raise NotImplementedError


@TASK_UTILS.register_module()
class HardestTripletMiner(_QueryKeyMiner):
    """Per foreground RoI its lowest-affinity same-label RoI and its
    highest-affinity other-label RoI (background included) of the pool;
    those RoIs are what every RoI attends to."""

    def select(self, affinity, labels, num_classes, q_loss, k_loss, loss_fn):
        anchor, pos, neg = mine_affinity_triplets(affinity.float(), labels,
                                                  num_classes)
        loss = loss_fn(q_loss[anchor], k_loss[pos], k_loss[neg])
        rows = torch.unique(torch.cat([pos, neg])) if len(anchor) else None
        return rows, loss


@TASK_UTILS.register_module()
class BatchAllTripletMiner(_QueryKeyMiner):
    """Every valid triplet of the pool, averaged over the active ones
    (``RelationTripletLoss.batch_all``); every RoI attends to the whole
    pool."""

    def select(self, affinity, labels, num_classes, q_loss, k_loss, loss_fn):
        return None, loss_fn.batch_all(q_loss, k_loss, labels, num_classes)


@TASK_UTILS.register_module()
class OutputTripletMiner:
    """Mining by cosine similarity of intra(2) features, the loss on the
    inter relation's output: the anchor video's RoIs against the other two
    videos' RoIs; their hardest positives and negatives are what every RoI
    attends to (pair with ``RelationTripletLoss(normalize=True)``).

    Args:
        to_features (bool): accepted for a config that switches miners;
            the loss on the relation's output always reaches the features
            it is computed from.
    """

    def __init__(self, to_features: bool = False) -> None:
        self.to_features = to_features

    def __call__(self, head: nn.Module, embeddings: Tensor, feats: Tensor,
                 labels: Tensor, roi_videos: Tensor,
                 loss_fn: nn.Module) -> MinedBank:
        a = roi_videos == 0
        o = ~a
        z_a, z_o = feats[a], feats[o]
        sim = F.normalize(z_a.detach(), dim=1) @ \
            F.normalize(z_o.detach(), dim=1).t()
        anchor, pos, neg = mine_hard_triplets(sim, labels[a], labels[o],
                                              head.num_classes)
        inter = head.inter_memory(embeddings[o])
        if len(anchor) > 0:
            inter = inter[torch.unique(torch.cat([pos, neg]))]
        e = head.inter_relation.attend(feats, *inter.projection('inter'))
        loss = loss_fn(e[a][anchor], e[o][pos], e[o][neg])
        return MinedBank(inter, loss, enhanced=e)
