from .dff import DFF, FlowVideoDetector
from .fgfa import FGFA
from .faster_rcnn_vid import FasterRCNNVID
from .hvr_detector import HVRDetector
from .selsa import SELSA

__all__ = [
    'DFF', 'FasterRCNNVID', 'FGFA', 'FlowVideoDetector', 'HVRDetector',
    'SELSA'
]
