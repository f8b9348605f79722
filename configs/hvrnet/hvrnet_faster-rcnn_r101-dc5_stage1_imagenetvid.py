# HVR-Net stage 1: R101-DC5 detector up to intra(2), ImageNet VID (+DET).
_base_ = [
    '../_base_/models/hvrnet_faster-rcnn_r101-dc5.py',
    '../_base_/datasets/imagenet_vid_hvr.py',
    '../_base_/schedules/hvrnet_stage1_165k.py',
    '../_base_/default_runtime.py'
]
