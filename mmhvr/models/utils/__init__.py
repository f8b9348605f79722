from .triplet_mining import (mine_hard_triplets, select_video_triplet,
                             video_descriptors)

__all__ = ['mine_hard_triplets', 'select_video_triplet', 'video_descriptors']
