from .frame_memory import FrameMemory
from .video_group import VideoGroup, VideoTriplet
from .video_memory import RecentVideoMemory, VideoMemory, weights_token

__all__ = [
    'FrameMemory', 'RecentVideoMemory', 'VideoGroup', 'VideoMemory',
    'VideoTriplet', 'weights_token'
]
