from .checkpoint import register_checkpoint_safe_globals
from .optim_constructor import FrozenAwareOptimWrapperConstructor

register_checkpoint_safe_globals()

__all__ = [
    'FrozenAwareOptimWrapperConstructor', 'register_checkpoint_safe_globals'
]
