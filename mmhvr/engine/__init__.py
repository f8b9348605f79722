from .checkpoint import register_checkpoint_safe_globals
from .cpu_amp_optim_wrapper import CPUAmpOptimWrapper
from .optim_constructor import FrozenAwareOptimWrapperConstructor

register_checkpoint_safe_globals()

__all__ = [
    'CPUAmpOptimWrapper', 'FrozenAwareOptimWrapperConstructor',
    'register_checkpoint_safe_globals'
]
