# HVR-Net stage 1 (R101-DC5, ImageNet VID + DET) started from a SELSA R101
# checkpoint instead of ImageNet classification weights: only the backbone
# corresponds (configs/hvrnet/README.md, "Starting from SELSA"); the neck,
# RPN and RoI head keep their own init. Make the checkpoint first:
#   python tools/model_converters/mmtrack2mmhvr.py SELSA_MMTRACK.pth selsa.pth
#   python tools/model_converters/selsa2hvrnet.py selsa.pth \
#       checkpoints/selsa_r101-dc5_hvrnet-stage1-init.pth
# (selsa2hvrnet.py also reads MMTracking's checkpoint directly.)
_base_ = ['./hvrnet_faster-rcnn_r101-dc5_stage1_imagenetvid.py']
selsa_init = 'checkpoints/selsa_r101-dc5_hvrnet-stage1-init.pth'
model = dict(
    backbone=dict(
        init_cfg=dict(
            type='Pretrained', prefix='backbone.', checkpoint=selsa_init)))
