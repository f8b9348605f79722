# Temporal RoI Align X101-DC5: the R50 config with a ResNeXt-101 64x4d
# (as MMTracking's).
_base_ = ['./selsa-troialign_faster-rcnn_r50-dc5_8xb1-7e_imagenetvid.py']
model = dict(
    backbone=dict(
        type='ResNeXt',
        depth=101,
        groups=64,
        base_width=4,
        init_cfg=dict(type='Pretrained',
                      checkpoint='open-mmlab://resnext101_64x4d')))
