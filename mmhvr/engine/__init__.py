from .atomic_backend import (AtomicLocalBackend, atomic_write,
                             register_atomic_local_backend)
from .checkpoint import (check_checkpoint_stage, checkpoint_stage,
                         read_checkpoint, register_checkpoint_safe_globals)
from .cpu_amp_optim_wrapper import CPUAmpOptimWrapper
from .ddp import DeviceAwareDistributedDataParallel
from .hooks import (AtomicCheckpointHook, FinalHeadFromIntraHook,
                    HVRStageHook, RNGStateHook, VideoVisualizationHook,
                    ensure_stage_hook, video_frame_name)
from .optim_constructor import FrozenAwareOptimWrapperConstructor
from .stage_check import check_stage2_config

register_checkpoint_safe_globals()
# registers the ``atomic_local`` backend under its own name: mmengine's
# ``local`` backend is left as it is
register_atomic_local_backend()

__all__ = [
    'AtomicCheckpointHook', 'AtomicLocalBackend', 'CPUAmpOptimWrapper',
    'DeviceAwareDistributedDataParallel', 'FinalHeadFromIntraHook',
    'FrozenAwareOptimWrapperConstructor', 'HVRStageHook', 'RNGStateHook',
    'VideoVisualizationHook', 'video_frame_name',
    'atomic_write', 'check_checkpoint_stage', 'check_stage2_config',
    'checkpoint_stage', 'ensure_stage_hook', 'read_checkpoint',
    'register_atomic_local_backend', 'register_checkpoint_safe_globals'
]
