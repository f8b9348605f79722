from .hvr_bbox_head import HVRBBoxHead, HVRHeadOutput
from .hvr_roi_head import HVRRoIHead
from .support_bank import SupportBank

__all__ = ['HVRBBoxHead', 'HVRHeadOutput', 'HVRRoIHead', 'SupportBank']
