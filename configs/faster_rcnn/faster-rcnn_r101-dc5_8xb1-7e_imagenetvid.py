# Single-frame Faster R-CNN R101-DC5: the R50 config with a ResNet-101.
_base_ = [
    './faster-rcnn_r50-dc5_8xb1-7e_imagenetvid.py',
    '../_base_/models/backbone_r101-dc5.py'
]
model = dict(backbone={{_base_.backbone_r101}})
