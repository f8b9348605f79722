import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmhvr.registry import MODELS


@MODELS.register_module()
class RelationTripletLoss(nn.Module):
    """``loss_weight * mean(relu(|a-p| - |a-n| + margin))``.

    Args:
        margin (float): gamma (paper: 1).
        loss_weight (float): lambda (paper: 10).
        normalize (bool): L2-normalise the rows first; ``False``
            measures raw distances, as the authors' code does.
    """

    def __init__(self,
                 margin: float = 1.0,
                 loss_weight: float = 10.0,
                 normalize: bool = True):
        super().__init__()
        self.margin = margin
        self.loss_weight = loss_weight
        self.normalize = normalize

    def forward(self, anchor: Tensor, positive: Tensor,
                negative: Tensor) -> Tensor:
        """(k, d) rows of matched anchors, positives, negatives → scalar."""
        if anchor.shape[0] == 0:
            return (anchor.sum() + positive.sum() + negative.sum()) * 0
        if self.normalize:
            anchor, positive, negative = (F.normalize(x, dim=1)
                                          for x in (anchor, positive,
                                                    negative))
        d_pos = (anchor - positive).norm(dim=1)
        d_neg = (anchor - negative).norm(dim=1)
        return self.loss_weight * F.relu(d_pos - d_neg + self.margin).mean()

    def batch_all(self, query: Tensor, keys: Tensor, labels: Tensor,
                  num_classes: int) -> Tensor:
        """Every valid triplet of a pool, averaged over the active ones.

        Row i of ``query`` and of ``keys`` are the same RoI's query and
        key embeddings. Each foreground RoI ``a`` is an anchor against
        every other RoI ``p`` of its label and every RoI ``n`` of another
        label (background included): ``relu(|q_a - k_p| - |q_a - k_n| +
        margin)``, summed and divided by the number of triplets with a
        positive loss (batch-all, Hermans et al. 2017), times lambda.

        Args:
            query, keys (Tensor): (N, d) embeddings of the pool's RoIs.
            labels (Tensor): (N, ) labels, ``num_classes`` = background.
            num_classes (int): number of foreground classes.
        """
        if query.shape != keys.shape or query.shape[0] != labels.numel():
            raise ValueError(
                f'query {tuple(query.shape)} and keys {tuple(keys.shape)} '
                f'must both be (N, d) for N = {labels.numel()} labels')
        if self.normalize:
            query, keys = F.normalize(query, dim=1), F.normalize(keys, dim=1)
        dist = torch.cdist(query.float(), keys.float())  # (N, N)
        n = labels.numel()
        eye = torch.eye(n, dtype=torch.bool, device=labels.device)
        same = (labels[:, None] == labels[None, :]) & ~eye
        other = labels[:, None] != labels[None, :]
        anchor = labels < num_classes
        valid = anchor[:, None, None] & same[:, :, None] & other[:, None, :]
        losses = F.relu(dist[:, :, None] - dist[:, None, :] + self.margin)
        losses = losses * valid
        active = (losses > 0).sum().clamp(min=1)
        return self.loss_weight * losses.sum() / active
