"""Does a relation's affinity prefer proposals of the query's own class?"""
from typing import Optional, Sequence

import torch
from torch import Tensor


def relation_retrieval(affinity: Tensor,
                       labels: Tensor,
                       classes: Optional[Sequence[int]] = None) -> dict:
    """Leave-one-out retrieval by an affinity matrix.

    Every row ``i`` whose label is in ``classes`` is a query; the
    candidates are the other rows with a label in ``classes``. The
    attention a relation would give them is ``softmax`` of the affinity
    over the candidates, per head as multi-head attention uses it.

    Args:
        affinity (Tensor): (M, M) scores (e.g. a cosine similarity) or
            (H, M, M) per-head attention logits (``RelationBlock.affinity``);
            row = query, column = key. With heads, ``mass`` is the heads'
            mean attention on the query's class and ``top1`` the share of
            (query, head) pairs whose best candidate has it.
        labels (Tensor): (M, ) class of each row.
        classes (sequence[int], optional): the classes compared (e.g. the
            confusable ones); all labels present when None.

    Returns:
        dict: per class and ``'mean'`` (over the classes) ``top1`` (the
        best-scored candidate has the query's class), ``mass`` (attention
        on candidates of the query's class) and ``chance`` (the fraction of
        candidates of the query's class: what a uniform attention gives);
        ``queries`` counts the queries of each class.
    """
    if affinity.ndim not in (2, 3) or \
            affinity.shape[-1] != affinity.shape[-2] or \
            affinity.shape[-1] != labels.numel():
        raise ValueError(
            f'affinity must be (M, M) or (H, M, M) with M = len(labels); '
            f'got {tuple(affinity.shape)} and {labels.numel()} labels')
    heads = affinity if affinity.ndim == 3 else affinity[None]
    labels = labels.flatten().long()
    if classes is None:
        classes = labels.unique().tolist()
    keep = torch.isin(labels, torch.as_tensor(list(classes), dtype=torch.long))
    aff = heads[:, keep][:, :, keep].float().clone()  # (H, M', M')
    lab = labels[keep]
    eye = torch.eye(len(lab), dtype=torch.bool, device=aff.device)
    aff = aff.masked_fill(eye, float('-inf'))
    same = lab[:, None] == lab[None, :]
    same.fill_diagonal_(False)
    if len(lab) < 2:  # a query needs at least one candidate
        top1 = mass = torch.full((len(lab), ), float('nan'))
    else:
        attention = aff.softmax(dim=2)
        best = aff.argmax(dim=2, keepdim=True)  # (H, M', 1)
        top1 = same[None].expand_as(aff).gather(2, best)[..., 0].float()
        top1 = top1.mean(0)
        mass = (attention * same).sum(dim=2).mean(0)
    chance = same.sum(dim=1).float() / max(len(lab) - 1, 1)
    out = dict()
    for c in classes:
        rows = lab == c
        n = int(rows.sum())
        out[c] = dict(queries=n,
                      top1=float(top1[rows].mean()) if n else float('nan'),
                      mass=float(mass[rows].mean()) if n else float('nan'),
                      chance=float(chance[rows].mean()) if n else
                      float('nan'))
    present = [c for c in classes if out[c]['queries']]
    out['mean'] = {
        k: sum(out[c][k] for c in present) / max(len(present), 1)
        for k in ('top1', 'mass', 'chance')
    }
    out['mean']['queries'] = sum(out[c]['queries'] for c in present)
    return out
