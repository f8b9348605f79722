from mmhvr.registry import MODELS
from .relation_block import RelationBlock


@MODELS.register_module()
class IntraVideoRelation(RelationBlock):
    """Key-frame proposals (n, d) attend to the proposals (m, d) of frames of
    the same video (the key frame's own included)."""
