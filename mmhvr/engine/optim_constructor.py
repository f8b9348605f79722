from typing import List, Optional

import torch.nn as nn
from mmengine.optim import DefaultOptimWrapperConstructor

from mmhvr.registry import OPTIM_WRAPPER_CONSTRUCTORS


@OPTIM_WRAPPER_CONSTRUCTORS.register_module()
class FrozenAwareOptimWrapperConstructor(DefaultOptimWrapperConstructor):
    """mmengine's default constructor, minus parameters that are frozen.

    mmengine puts parameters with ``requires_grad=False`` into the optimizer
    too; for HVR-Net stage 2 the frozen backbone stages and RPN must not be
    in it at all (no momentum or weight decay state, nothing to update).
    """

    def __init__(self, optim_wrapper_cfg: dict,
                 paramwise_cfg: Optional[dict] = None) -> None:
        # An empty paramwise_cfg makes mmengine pass model.parameters()
        # unfiltered; a no-op custom_keys routes it through add_params.
        super().__init__(optim_wrapper_cfg, paramwise_cfg or
                         dict(custom_keys={}))

    def add_params(self, params: List[dict], module: nn.Module,
                   prefix: str = '', is_dcn_module=None) -> None:
        groups: List[dict] = []
        super().add_params(groups, module, prefix, is_dcn_module)
        params.extend(g for g in groups
                      if all(p.requires_grad for p in g['params']))
