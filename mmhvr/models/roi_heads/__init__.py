from .hvr_bbox_head import HVRBBoxHead, cat_projections
from .hvr_roi_head import HVRRoIHead, merge_memories
from .support_bank import SupportBank

__all__ = [
    'HVRBBoxHead', 'HVRRoIHead', 'SupportBank', 'cat_projections',
    'merge_memories'
]
