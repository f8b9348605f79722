# Single-frame Faster R-CNN R101-DC5: the R50 config with a ResNet-101.
_base_ = ['./faster-rcnn_r50-dc5_8xb1-7e_imagenetvid.py']
model = dict(
    backbone=dict(
        depth=101,
        init_cfg=dict(type='Pretrained',
                      checkpoint='torchvision://resnet101')))
