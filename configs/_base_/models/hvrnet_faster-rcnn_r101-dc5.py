# HVR-Net on ResNet-101-DC5 (the paper's detector).
_base_ = './hvrnet_faster-rcnn_r50-dc5.py'
model = dict(
    backbone=dict(
        depth=101,
        init_cfg=dict(
            type='Pretrained', checkpoint='torchvision://resnet101')))
