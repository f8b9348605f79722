from .hvr_detector import FrameMemoryCache, HVRDetector
from .recent_videos import RecentVideoMemory

__all__ = ['FrameMemoryCache', 'HVRDetector', 'RecentVideoMemory']
