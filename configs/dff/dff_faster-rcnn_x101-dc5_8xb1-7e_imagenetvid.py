# DFF X101-DC5 (ResNeXt-101 64x4d): only the backbone differs.
_base_ = [
    './dff_faster-rcnn_r50-dc5_8xb1-7e_imagenetvid.py',
    '../_base_/models/backbone_x101-64x4d-dc5.py'
]
model = dict(backbone={{_base_.backbone_x101}})
