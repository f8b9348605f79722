from .cocovid_gt import load_cocovid_gt, match_dumped_detections
from .relation_retrieval import relation_retrieval
from .vid_confusion import eval_vid_confusion
from .vid_map import eval_vid_map, motion_ious

__all__ = [
    'eval_vid_map', 'eval_vid_confusion', 'motion_ious', 'load_cocovid_gt',
    'match_dumped_detections', 'relation_retrieval'
]
