from .dff import DFF, FlowVideoDetector
from .fgfa import FGFA
from .hvr_detector import HVRDetector

__all__ = ['DFF', 'FGFA', 'FlowVideoDetector', 'HVRDetector']
