import torch.nn as nn
import torch.nn.functional as F
from torch import Tensor

from mmhvr.registry import MODELS


@MODELS.register_module()
class RelationTripletLoss(nn.Module):
    """``loss_weight * mean(relu(|a-p| - |a-n| + margin))`` on L2-normalised
    relation embeddings.

    Args:
        margin (float): gamma (paper: 1).
        loss_weight (float): lambda (paper: 10).
    """

    def __init__(self, margin: float = 1.0, loss_weight: float = 10.0):
        super().__init__()
        self.margin = margin
        self.loss_weight = loss_weight

    def forward(self, anchor: Tensor, positive: Tensor,
                negative: Tensor) -> Tensor:
        """(k, d) rows of matched anchors, positives, negatives → scalar."""
        if anchor.shape[0] == 0:
            return (anchor.sum() + positive.sum() + negative.sum()) * 0
        a, p, n = (F.normalize(x, dim=1) for x in (anchor, positive,
                                                    negative))
        d_pos = (a - p).norm(dim=1)
        d_neg = (a - n).norm(dim=1)
        return self.loss_weight * F.relu(d_pos - d_neg + self.margin).mean()
