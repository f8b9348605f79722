# The R50-DC5 variant of HVR-Net stage 2 (used by the speed benchmark:
# same detector and 1000x600 input as the R101 model, a lighter backbone).
_base_ = './hvrnet_faster-rcnn_r101-dc5_stage2_imagenetvid.py'
model = dict(backbone=dict(depth=50))
load_from = 'work_dirs/hvrnet_faster-rcnn_r50-dc5_stage1_imagenetvid/iter_165000.pth'  # noqa: E501
