from .hvr_bbox_head import HVRBBoxHead, HVRHeadOutput
from .hvr_roi_head import HVRRoIHead
from .selsa_bbox_head import SelsaBBoxHead
from .selsa_roi_head import SelsaRoIHead
from .support_bank import SupportBank
from .temporal_roi_extractor import TemporalRoIAlignExtractor
from .temporal_roi_head import TemporalRoIAlignRoIHead

__all__ = [
    'HVRBBoxHead', 'HVRHeadOutput', 'HVRRoIHead', 'SelsaBBoxHead',
    'SelsaRoIHead', 'SupportBank', 'TemporalRoIAlignExtractor',
    'TemporalRoIAlignRoIHead'
]
