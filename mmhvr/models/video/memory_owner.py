"""The rule every video detector's per-video state follows: memories belong
to the weights and the mode that made them."""
from typing import Callable

from torch import nn


class VideoMemoryOwnerMixin:
    """Empties ``self.video_memory`` (a :class:`VideoMemory`) whenever what
    made its tensors changes: ``train()``/``eval()`` (the mode),
    ``load_state_dict()`` (the weights) and ``_apply`` (``.to(device)``,
    ``.half()``, ...: the memories hold the old tensors).

    Put it before the ``nn.Module`` base (``class D(VideoMemoryOwnerMixin,
    TwoStageDetector)``); the three overrides then call that base's.
    """

    def _clear_video_memory(self) -> None:
        # nn.Module.__init__ may _apply before video_memory exists
        if 'video_memory' in self.__dict__:
            self.video_memory.clear()

    def train(self, mode: bool = True) -> nn.Module:
        self._clear_video_memory()
        return super().train(mode)

    def _load_from_state_dict(self, *args, **kwargs) -> None:
        self._clear_video_memory()  # new weights
        super()._load_from_state_dict(*args, **kwargs)

    def _apply(self, fn: Callable, *args, **kwargs) -> nn.Module:
        self._clear_video_memory()
        return super()._apply(fn, *args, **kwargs)
