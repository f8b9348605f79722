from contextlib import contextmanager

import torch
import torch.nn as nn
from mmengine.optim import OptimWrapper

from mmhvr.registry import OPTIM_WRAPPERS


@OPTIM_WRAPPERS.register_module()
class CPUAmpOptimWrapper(OptimWrapper):
    """Mixed precision on the CPU: bf16 autocast, no loss scaling.

    mmengine's ``AmpOptimWrapper`` only runs on accelerators (it needs a
    CUDA grad scaler); bf16 keeps fp32's exponent range, so the CPU needs no
    scaler. ``tools/train.py --amp`` picks ``AmpOptimWrapper`` (fp16) on
    CUDA and this wrapper on the CPU.
    """

    def __init__(self, *args, dtype: str = 'bfloat16', **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.cast_dtype = getattr(torch, dtype)

    @contextmanager
    def optim_context(self, model: nn.Module):
        with super().optim_context(model), torch.autocast(
                device_type='cpu', dtype=self.cast_dtype):
            yield
