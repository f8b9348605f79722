# DFF (MMTracking dev-1.x configs/vid/dff/*_r50-dc5_*): the backbone on every
# 10th frame only, the other frames warp the last key frame's maps.
_base_ = ['./flow_faster-rcnn_r50-dc5.py']
model = dict(
    type='DFF',
    train_cfg=dict(
        rpn_proposal=dict(max_per_img=1000), rcnn=dict(sampler=dict(num=512))),
    test_cfg=dict(
        key_frame_interval=10,
        # only the last key frame's maps are kept
        cache_frames=1))
