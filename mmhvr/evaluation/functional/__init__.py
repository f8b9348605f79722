from .vid_map import eval_vid_map, motion_ious

__all__ = ['eval_vid_map', 'motion_ious']
