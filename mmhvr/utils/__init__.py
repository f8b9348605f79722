from .labels import majority_label
from .mmcv_check import MMCVOpsMissingError, check_mmcv_ops
from .setup_env import register_all_modules

__all__ = [
    'MMCVOpsMissingError', 'check_mmcv_ops', 'majority_label',
    'register_all_modules'
]
