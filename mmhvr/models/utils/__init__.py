from .precision import full_precision
from .triplet_mining import (mine_hard_triplets, select_video_triplet,
                             video_descriptors)

__all__ = ['full_precision', 'mine_hard_triplets', 'select_video_triplet', 'video_descriptors']
