from .inter_video_relation import InterVideoRelation
from .intra_video_relation import IntraVideoRelation
from .relation_block import RelationBlock

__all__ = ['RelationBlock', 'IntraVideoRelation', 'InterVideoRelation']
