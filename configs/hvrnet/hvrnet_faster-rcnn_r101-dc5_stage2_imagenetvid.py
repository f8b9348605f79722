# HVR-Net stage 2: from the stage-1 weights, train conv5, the 1x1 conv, the
# relations and both heads with L_det(intra) + L_det(final) + 10 * L_rel on
# video triplets (../_base_/hvr_stage2.py: what is frozen, the groups).
_base_ = [
    '../_base_/models/hvrnet_faster-rcnn_r101-dc5.py',
    '../_base_/datasets/imagenet_vid_hvr_triplet.py',
    '../_base_/schedules/hvrnet_stage2_110k.py',
    '../_base_/default_runtime.py',
    '../_base_/hvr_stage2.py'
]
model = {{_base_.stage2_model}}  # noqa: F821
train_dataloader = {{_base_.stage2_train_dataloader}}  # noqa: F821
load_from = 'work_dirs/hvrnet_faster-rcnn_r101-dc5_stage1_imagenetvid/iter_165000.pth'  # noqa: E501
