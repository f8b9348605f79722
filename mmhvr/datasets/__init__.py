from .imagenet_vid import VID_CLASSES, ImagenetVIDDataset
from .samplers import *  # noqa: F401,F403
from .support_frames import select_support_frames
from .transforms import *  # noqa: F401,F403

__all__ = ['ImagenetVIDDataset', 'VID_CLASSES', 'select_support_frames']
