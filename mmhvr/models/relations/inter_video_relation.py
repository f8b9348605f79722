from mmhvr.registry import MODELS
from .relation_block import RelationBlock


@MODELS.register_module()
class InterVideoRelation(RelationBlock):
    """Intra-enhanced key proposals (n, d) attend to proposals (m, d) of
    other videos: the mined hard positives and negatives in training, a
    support bank in testing."""
