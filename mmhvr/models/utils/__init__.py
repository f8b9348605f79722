from .backbone_split import frozen_stage_count, resnet_head, resnet_trunk
from .precision import full_precision
from .triplet_mining import (mine_affinity_triplets, mine_hard_triplets,
                             relation_accuracy, select_video_triplet,
                             video_descriptors)

__all__ = [
    'frozen_stage_count', 'resnet_head', 'resnet_trunk', 'full_precision', 'mine_affinity_triplets', 'mine_hard_triplets',
    'relation_accuracy', 'select_video_triplet', 'video_descriptors'
]
