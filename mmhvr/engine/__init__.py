from .atomic_backend import (AtomicLocalBackend, atomic_write,
                             register_atomic_local_backend)
from .checkpoint import (check_checkpoint_stage, check_stage2_load_from,
                         check_state_dict_fits, checkpoint_safe_globals,
                         checkpoint_stage, read_checkpoint,
                         register_checkpoint_safe_globals,
                         scope_runner_checkpoint_loads)
from .cpu_amp_optim_wrapper import CPUAmpOptimWrapper
from .ddp import DeviceAwareDistributedDataParallel
from .hooks import (AtomicCheckpointHook, FinalHeadFromIntraHook,
                    HVRStageHook, RNGStateHook, VideoVisualizationHook,
                    ensure_stage_hook, video_frame_name)
from .optim_constructor import FrozenAwareOptimWrapperConstructor
from .stage_check import check_stage2_config

# torch's weights-only allow-list is not touched here: mmhvr widens it only
# around its own loads (checkpoint_safe_globals). This registers the
# ``atomic_local`` backend under its own name: mmengine's ``local`` backend
# is left as it is
register_atomic_local_backend()

__all__ = [
    'AtomicCheckpointHook', 'AtomicLocalBackend', 'CPUAmpOptimWrapper',
    'DeviceAwareDistributedDataParallel', 'FinalHeadFromIntraHook',
    'FrozenAwareOptimWrapperConstructor', 'HVRStageHook', 'RNGStateHook',
    'VideoVisualizationHook', 'video_frame_name',
    'atomic_write', 'check_checkpoint_stage', 'check_stage2_config',
    'check_stage2_load_from', 'check_state_dict_fits',
    'checkpoint_safe_globals', 'checkpoint_stage', 'ensure_stage_hook',
    'read_checkpoint',
    'register_atomic_local_backend', 'register_checkpoint_safe_globals',
    'scope_runner_checkpoint_loads'
]
