# DFF R101-DC5: only the backbone differs from the R50 config.
_base_ = [
    './dff_faster-rcnn_r50-dc5_8xb1-7e_imagenetvid.py',
    '../_base_/models/backbone_r101-dc5.py'
]
model = dict(backbone={{_base_.backbone_r101}})
