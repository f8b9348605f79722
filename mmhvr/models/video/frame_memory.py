"""Typed per-frame state of a video detector: one row per proposal."""
from typing import Sequence, Tuple

from mmengine.structures import InstanceData
from torch import Tensor

KV = Tuple[Tensor, Tensor]


class FrameMemory(InstanceData):
    """What a frame leaves for the key frames that use it as a support:
    one row per proposal, so frames are joined with :meth:`cat` and rows
    picked by indexing (``mem[rows]``), as any ``InstanceData``.

    HVR-Net's box head writes these fields (a method on the core may add
    its own; every field has one row per proposal):

    * ``bboxes`` (m, 4): the proposals, xyxy in network-input pixels;
    * ``embeddings`` (m, d): their fc1 embeddings (pre-ReLU), which a key
      frame's RoIs go on from;
    * ``intra1_keys``/``intra1_values``, ``intra2_keys``/``intra2_values``
      (m, dk)/(m, d): the intra relations' projections of the support;
    * ``inter_keys``/``inter_values``: the inter-video relation's, only
      when the inter relation is run (head B).
    """

    def projection(self, name: str) -> KV:
        """``(name_keys, name_values)`` of a relation (``'intra1'``...)."""
        return getattr(self, f'{name}_keys'), getattr(self, f'{name}_values')

    def has_projection(self, name: str) -> bool:
        return f'{name}_keys' in self

    def only(self, names: Sequence[str]) -> 'FrameMemory':
        """The rows with the fields ``names`` only."""
        return FrameMemory(**{n: getattr(self, n) for n in names})

    def inter(self) -> 'FrameMemory':
        """The inter-video relation's projections only (what a bank of
        other videos holds)."""
        return self.only(('inter_keys', 'inter_values'))

    @staticmethod
    def cat(memories: Sequence['FrameMemory']) -> 'FrameMemory':
        """The rows of several memories with the same fields, in order."""
        memories = list(memories)
        if not memories:
            raise ValueError('FrameMemory.cat needs at least one memory')
        if len(memories) == 1:
            return memories[0]
        return InstanceData.cat(memories)
