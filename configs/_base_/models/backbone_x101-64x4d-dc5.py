# The ResNeXt-101 64x4d of the ported methods' X101-DC5 configs (as
# MMTracking's): a variable, merged over the R50-DC5 backbone by
# `model = dict(backbone={{_base_.backbone_x101}})` (a second `model` among
# a config's bases would clash with the R50 config's).
backbone_x101 = dict(
    type='ResNeXt',
    depth=101,
    groups=64,
    base_width=4,
    init_cfg=dict(type='Pretrained',
                  checkpoint='open-mmlab://resnext101_64x4d'))
