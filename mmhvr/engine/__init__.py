from .atomic_backend import AtomicLocalBackend, register_atomic_local_backend
from .checkpoint import (check_checkpoint_stage, checkpoint_stage,
                         read_checkpoint, register_checkpoint_safe_globals)
from .cpu_amp_optim_wrapper import CPUAmpOptimWrapper
from .ddp import DeviceAwareDistributedDataParallel
from .hooks import FinalHeadFromIntraHook, RNGStateHook
from .optim_constructor import FrozenAwareOptimWrapperConstructor

register_checkpoint_safe_globals()
register_atomic_local_backend()

__all__ = [
    'AtomicLocalBackend', 'CPUAmpOptimWrapper',
    'DeviceAwareDistributedDataParallel', 'FinalHeadFromIntraHook',
    'FrozenAwareOptimWrapperConstructor',
    'RNGStateHook', 'check_checkpoint_stage', 'checkpoint_stage',
    'read_checkpoint', 'register_checkpoint_safe_globals'
]
