# HVR-Net stage 2: from the stage-1 weights, freeze conv1-conv4 and the RPN,
# train conv5, the 1x1 conv, the relations and both heads with
# L_det(intra) + L_det(final) + 10 * L_rel on video triplets.
_base_ = [
    '../_base_/models/hvrnet_faster-rcnn_r50-dc5.py',
    '../_base_/datasets/imagenet_vid_hvr_triplet.py',
    '../_base_/schedules/hvrnet_stage2_110k.py',
    '../_base_/default_runtime.py'
]
model = dict(
    stage=2,
    # every conv layer before conv5 (stem + res2..res4) ...
    backbone=dict(depth=101, frozen_stages=3, init_cfg=None),
    # ... and the RPN are frozen
    frozen_modules=['rpn_head'])
# head B (untrained in stage 1) starts as a copy of head A
custom_hooks = [
    dict(type='RNGStateHook'),
    dict(type='FinalHeadFromIntraHook')
]
load_from = 'work_dirs/hvrnet_faster-rcnn_r101-dc5_stage1_imagenetvid/iter_165000.pth'  # noqa: E501
