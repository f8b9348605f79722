from .hvr_detector import FrameMemoryCache, HVRDetector

__all__ = ['FrameMemoryCache', 'HVRDetector']
