"""Multi-level triplet selection of HVR-Net (video level, proposal level)."""
from typing import Tuple

import torch
from torch import Tensor


def video_descriptors(feats: Tensor, num_videos: int) -> Tensor:
    """Per-video descriptors from conv5 maps.

    Args:
        feats (Tensor): (V*T, C, H, W), video-major (a video's T frames are
            consecutive).
        num_videos (int): V.

    Returns:
        Tensor: (V, C), the max over a video's frames of each frame's
        globally average-pooled feature.
    """
    pooled = feats.mean(dim=(2, 3))
    return pooled.view(num_videos, -1, pooled.shape[1]).max(dim=1).values


def select_video_triplet(video_feats: Tensor,
                         video_labels: Tensor,
                         anchor_index: int = 0) -> Tuple[int, int, int]:
    """The hardest video triplet of a group.

    Args:
        video_feats (Tensor): (V, C) video descriptors.
        video_labels (Tensor): (V, ) video classes.
        anchor_index (int): the anchor video.

    Returns:
        tuple[int]: (anchor, positive, negative): the same-class video least
        similar (dot product) to the anchor and the other-class video most
        similar to it.
    """
    video_labels = torch.as_tensor(video_labels, device=video_feats.device)
    anchor_label = video_labels[anchor_index]
    sim = video_feats @ video_feats[anchor_index]
    same = video_labels == anchor_label
    same[anchor_index] = False
    other = video_labels != anchor_label
    if not same.any() or not other.any():
        raise ValueError(
            f'a video triplet needs another video of the anchor class '
            f'{int(anchor_label)} and a video of another class; the group '
            f'has labels {video_labels.tolist()}')
    inf = torch.finfo(sim.dtype).max
    pos = torch.where(same, sim, sim.new_full((), inf)).argmin()
    neg = torch.where(other, sim, sim.new_full((), -inf)).argmax()
    return int(anchor_index), int(pos), int(neg)


def mine_hard_triplets(similarity: Tensor, query_labels: Tensor,
                       support_labels: Tensor,
                       num_classes: int) -> Tuple[Tensor, Tensor, Tensor]:
    """Hardest proposal triplets.

    Args:
        similarity (Tensor): (n, m) query-support similarities.
        query_labels (Tensor): (n, ) labels, ``num_classes`` = background.
        support_labels (Tensor): (m, ) labels.
        num_classes (int): number of foreground classes.

    Returns:
        tuple[Tensor]: (anchor_idx, pos_idx, neg_idx), LongTensors of equal
        length: for each foreground query with at least one same-label and
        one different-label support, the least similar same-label support
        and the most similar different-label support (background supports
        are negatives).
    """
    same = query_labels[:, None] == support_labels[None, :]
    valid = (query_labels < num_classes) & same.any(1) & (~same).any(1)
    inf = torch.finfo(similarity.dtype).max
    pos = torch.where(same, similarity,
                      similarity.new_full((), inf)).argmin(1)
    neg = torch.where(~same, similarity,
                      similarity.new_full((), -inf)).argmax(1)
    anchor = torch.nonzero(valid).flatten()
    return anchor, pos[anchor], neg[anchor]


def mine_affinity_triplets(affinity: Tensor, labels: Tensor,
                           num_classes: int) -> Tuple[Tensor, Tensor, Tensor]:
    """Hardest proposal triplets within one pool of RoIs, by affinity.

    The pool is the sampled key-frame RoIs of the three videos of a video
    triplet; every RoI is both a query and a candidate (not of itself).

    Args:
        affinity (Tensor): (N, N), row i = RoI i's query against every
            RoI's key (the inter-video relation's ``q·k/sqrt(d)``).
        labels (Tensor): (N, ) RoI labels, ``num_classes`` = background.
        num_classes (int): number of foreground classes.

    Returns:
        tuple[Tensor]: (anchor_idx, pos_idx, neg_idx) into the pool: each
        foreground RoI with another same-label RoI and a different-label
        RoI in the pool, its lowest-affinity same-label RoI and its
        highest-affinity different-label RoI (background included).
    """
    n = labels.shape[0]
    if affinity.shape != (n, n):
        raise ValueError(f'affinity must be ({n}, {n}) for {n} labels, got '
                         f'{tuple(affinity.shape)}')
    eye = torch.eye(n, dtype=torch.bool, device=labels.device)
    same = (labels[:, None] == labels[None, :]) & ~eye
    other = labels[:, None] != labels[None, :]
    valid = (labels < num_classes) & same.any(1) & other.any(1)
    inf = torch.finfo(affinity.dtype).max
    pos = torch.where(same, affinity, affinity.new_full((), inf)).argmin(1)
    neg = torch.where(other, affinity, affinity.new_full((), -inf)).argmax(1)
    anchor = torch.nonzero(valid).flatten()
    return anchor, pos[anchor], neg[anchor]


@torch.no_grad()
def relation_accuracy(affinity: Tensor, labels: Tensor,
                      num_classes: int) -> Tensor:
    """Percentage of foreground RoIs whose highest-affinity other RoI of
    the pool has their label (what the inter relation attends to most).

    Args:
        affinity (Tensor): (N, N) query (row) against key (column).
        labels (Tensor): (N, ) labels, ``num_classes`` = background.
    """
    n = labels.numel()
    fg = labels < num_classes
    if n < 2 or not fg.any():
        return affinity.new_zeros(())
    eye = torch.eye(n, dtype=torch.bool, device=affinity.device)
    best = affinity.float().masked_fill(eye, float('-inf')).argmax(1)
    return (labels[best] == labels)[fg].float().mean() * 100
