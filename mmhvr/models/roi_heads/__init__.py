from .hvr_bbox_head import HVRBBoxHead, cat_projections
from .hvr_roi_head import HVRRoIHead, merge_memories

__all__ = ['HVRBBoxHead', 'HVRRoIHead', 'cat_projections', 'merge_memories']
