from .hvr_detector import HVRDetector

__all__ = ['HVRDetector']
