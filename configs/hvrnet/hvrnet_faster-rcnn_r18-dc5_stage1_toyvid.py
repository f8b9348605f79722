# A CPU-sized HVR-Net stage 1 on the built-in toy VID set, built from the
# same bases as the R101 ImageNet VID config: a half-width R18-DC5, 128-channel
# maps, a narrower relation head, fewer proposals, anchors scaled to the toy
# set's 16-128 px objects.
_base_ = [
    '../_base_/models/hvrnet_faster-rcnn_r50-dc5.py',
    '../_base_/datasets/toy_vid.py',
    '../_base_/schedules/hvrnet_stage1_165k.py',
    '../_base_/default_runtime.py'
]
num_classes = 5
# 128-channel maps (RoIAlign's CPU backward costs in proportion to them)
channels = 128
model = dict(
    # no pretrained weights on the toy set: train every stage, BN included;
    # ResNet-18 at half width (32 base channels)
    backbone=dict(
        depth=18,
        base_channels=32,
        frozen_stages=-1,
        norm_cfg=dict(type='BN', requires_grad=True),
        norm_eval=False,
        init_cfg=None),
    neck=dict(in_channels=[256], out_channels=channels),
    rpn_head=dict(
        in_channels=channels,
        feat_channels=channels,
        anchor_generator=dict(scales=[1, 2, 4, 8])),
    roi_head=dict(
        # adaptive sampling (mmdet's default): 1 point per bin on toy RoIs
        bbox_roi_extractor=dict(
            out_channels=channels, roi_layer=dict(sampling_ratio=0)),
        bbox_head=dict(
            in_channels=channels,
            fc_out_channels=256,
            num_classes=num_classes,
            intra_relations=[
                dict(type='IntraVideoRelation', in_channels=256, num_heads=8),
                dict(type='IntraVideoRelation', in_channels=256, num_heads=8),
            ],
            inter_relation=dict(
                type='InterVideoRelation', in_channels=256, num_heads=8))),
    train_cfg=dict(
        # detection losses on the 2 support frames too: 3x the labelled
        # frames per step
        supervise_supports=True,
        rpn_proposal=dict(nms_pre=1000, max_per_img=64),
        rcnn=dict(sampler=dict(num=64))),
    test_cfg=dict(rpn=dict(nms_pre=1000, max_per_img=64)))

train_cfg = dict(max_iters=600, val_interval=600)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
         end=50),
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=600,
         milestones=[480], gamma=0.1)
]
optim_wrapper = dict(optimizer=dict(lr=0.02))
default_hooks = dict(
    logger=dict(interval=10),
    checkpoint=dict(interval=100, max_keep_ckpts=1))
env_cfg = dict(dist_cfg=dict(backend='gloo'))
