# DFF R101-DC5: only the backbone differs from the R50 config.
_base_ = ['./dff_faster-rcnn_r50-dc5_8xb1-7e_imagenetvid.py']
model = dict(
    backbone=dict(
        depth=101,
        init_cfg=dict(type='Pretrained',
                      checkpoint='torchvision://resnet101')))
