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
        normalize (bool): L2-normalise the rows first (mmhvr's first
            variant, on the relation's output); ``False`` measures raw
            distances, as in the authors' code on the relation's own
            query/key embeddings.
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
