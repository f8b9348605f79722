# SELSA X101-DC5: the R50 config with a ResNeXt-101 64x4d (as MMTracking's).
_base_ = [
    './selsa_faster-rcnn_r50-dc5_8xb1-7e_imagenetvid.py',
    '../_base_/models/backbone_x101-64x4d-dc5.py'
]
model = dict(backbone={{_base_.backbone_x101}})
