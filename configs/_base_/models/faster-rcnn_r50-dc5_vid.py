# MMTracking dev-1.x's VID detector (faster-rcnn_r50-dc5.py) on mmhvr's core:
# single-frame Faster R-CNN; the SELSA / Temporal RoI Align configs add their
# parts. docs/mmtrack_methods.md.
_base_ = ['./faster-rcnn_r50-dc5.py']
model = dict(
    type='FasterRCNNVID',
    roi_head=dict(
        type='SelsaRoIHead',
        # no aggregator: mmdet's Shared2FCBBoxHead
        bbox_head=dict(type='SelsaBBoxHead', num_shared_fcs=2)),
    test_cfg=dict(
        # references per key frame besides itself (SELSA: 14); 0 is
        # single-frame
        num_ref_imgs=0,
        # frame memories kept per video (the test pipeline's
        # VideoTestSupportSample.load_only_new switches the caching)
        cache_frames=64))
