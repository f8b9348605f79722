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
    over the candidates.

    Args:
        affinity (Tensor): (M, M) scores, e.g. ``q·k/sqrt(d)`` of a
            relation or a cosine similarity; row = query, column = key.
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
    if affinity.ndim != 2 or affinity.shape[0] != affinity.shape[1] or \
            affinity.shape[0] != labels.numel():
        raise ValueError(
            f'affinity must be (M, M) with M = len(labels); got '
            f'{tuple(affinity.shape)} and {labels.numel()} labels')
    labels = labels.flatten().long()
    if classes is None:
        classes = labels.unique().tolist()
    keep = torch.isin(labels, torch.as_tensor(list(classes), dtype=torch.long))
    aff = affinity[keep][:, keep].float().clone()
    lab = labels[keep]
    aff.fill_diagonal_(float('-inf'))
    same = lab[:, None] == lab[None, :]
    same.fill_diagonal_(False)
    attention = aff.softmax(dim=1)
    top1 = same.gather(1, aff.argmax(dim=1, keepdim=True))[:, 0].float()
    mass = (attention * same).sum(dim=1)
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
