from contextlib import contextmanager

import torch
from torch import Tensor


@contextmanager
def full_precision(reference: Tensor):
    """Disable autocast on ``reference``'s device: mmcv's compiled ops (NMS,
    RoIAlign) take fp32 only on the CPU, so mixed-precision runs call them
    in fp32."""
    with torch.autocast(device_type=reference.device.type, enabled=False):
        yield
