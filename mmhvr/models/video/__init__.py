from .frame_memory import FrameMemory
from .memory_owner import VideoMemoryOwnerMixin
from .video_group import VideoGroup, VideoTriplet
from .video_memory import RecentVideoMemory, VideoMemory, weights_token

__all__ = [
    'FrameMemory', 'RecentVideoMemory', 'VideoGroup', 'VideoMemory',
    'VideoMemoryOwnerMixin', 'VideoTriplet', 'weights_token'
]
