"""A bank of other videos' proposals for the inter-video relation at test
time (built by ``tools/analysis_tools/build_support_bank.py``)."""
import os.path as osp
from typing import Sequence, Tuple

import torch
from torch import Tensor, nn

from ..video import FrameMemory

BANK_FORMAT = 'mmhvr-support-bank-v1'


class SupportBank:
    """RoI features of training videos' proposals, per class balanced.

    The bank stores RoIAlign features, not embeddings, so that its relation
    keys/values always come from the weights in use (:meth:`memory`).

    Args:
        roi_feats (Tensor): (M, C, 7, 7) RoI features.
        labels (Tensor): (M, ) their labels (``len(classes)`` = background).
        classes (sequence[str]): the class names of the config it was built
            with.
    """

    def __init__(self, roi_feats: Tensor, labels: Tensor,
                 classes: Sequence[str]) -> None:
        if roi_feats.ndim != 4 or len(roi_feats) != len(labels):
            raise ValueError(
                f'a support bank needs roi_feats (M, C, h, w) and labels '
                f'(M, ); got {tuple(roi_feats.shape)} and '
                f'{tuple(labels.shape)}')
        self.roi_feats = roi_feats.float()
        self.labels = labels.long()
        self.classes = tuple(classes)

    @classmethod
    def load(cls, path: str) -> 'SupportBank':
        """Read a bank written by :meth:`save`, naming the file on error."""
        if not osp.isfile(path):
            raise FileNotFoundError(f'support bank {path} does not exist '
                                    '(build it with tools/analysis_tools/'
                                    'build_support_bank.py)')
        try:
            data = torch.load(path, map_location='cpu', weights_only=True)
        except Exception as e:
            raise ValueError(f'cannot read support bank {path}: {e}') from e
        if not isinstance(data, dict) or data.get('format') != BANK_FORMAT:
            raise ValueError(f'{path} is not an mmhvr support bank '
                             f'(format {BANK_FORMAT!r} expected)')
        return cls(data['roi_feats'], data['labels'], data['classes'])

    def save(self, path: str, **meta) -> None:
        torch.save(
            dict(format=BANK_FORMAT, roi_feats=self.roi_feats,
                 labels=self.labels, classes=list(self.classes), meta=meta),
            path)

    def __len__(self) -> int:
        return len(self.labels)

    def check(self, num_classes: int, roi_shape: Tuple[int, ...]) -> None:
        """Raise if the bank was built for another number of classes or
        other RoI features (C, h, w)."""
        if len(self.classes) != num_classes:
            raise ValueError(
                f'the support bank was built for classes {self.classes}, '
                f'the model has {num_classes} classes')
        if tuple(self.roi_feats.shape[1:]) != tuple(roi_shape):
            raise ValueError(
                'the support bank holds RoI features of shape '
                f'{tuple(self.roi_feats.shape[1:])}, the model extracts '
                f'{tuple(roi_shape)}')

    def check_classes(self, classes: Sequence[str]) -> None:
        """Raise if the bank was built for other class names."""
        if tuple(classes) != self.classes:
            raise ValueError(
                f'the support bank was built for classes {self.classes}, '
                f'the model detects {tuple(classes)}')

    def memory(self, bbox_head: nn.Module) -> FrameMemory:
        """The inter-video relation's projections of the bank's proposals
        under ``bbox_head``'s current weights (:class:`VideoMemory` keeps
        them while the weights stay the same)."""
        device = next(bbox_head.parameters()).device
        with torch.no_grad():
            return bbox_head.inter_memory(
                bbox_head.embed(self.roi_feats.to(device)))
