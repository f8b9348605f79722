# The ResNet-101 of the ported methods' R101-DC5 configs (as MMTracking's):
# a variable, merged over the R50-DC5 backbone by
# `model = dict(backbone={{_base_.backbone_r101}})` (a second `model` among
# a config's bases would clash with the R50 config's).
backbone_r101 = dict(
    depth=101,
    init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet101'))
