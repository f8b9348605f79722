"""Single-frame Faster R-CNN on the video-detector core (the VID
baseline)."""
from mmhvr.registry import MODELS
from .selsa import SELSA


@MODELS.register_module()
class FasterRCNNVID(SELSA):
    """mmdet's Faster R-CNN run frame by frame on the core: a
    :class:`SELSA` with no references (``test_cfg.num_ref_imgs=0``) and a
    box head without aggregators (mmdet's ``Shared2FCBBoxHead`` names, so
    mmdet's and MMTracking's single-frame checkpoints load by name)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        if self.num_ref_imgs or self.roi_head.bbox_head.num_aggregators:
            raise ValueError(
                'FasterRCNNVID is single-frame: test_cfg.num_ref_imgs must be'
                ' 0 and the box head must have no aggregator')
