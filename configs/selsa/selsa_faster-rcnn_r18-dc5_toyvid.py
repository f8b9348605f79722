# A CPU-sized SELSA on the built-in toy VID set, built like the toy HVR-Net
# config (configs/hvrnet/hvrnet_faster-rcnn_r18-dc5_stage1_toyvid.py): a
# half-width R18-DC5, 128-channel maps, a 256-wide head with 8-head
# aggregators, fewer proposals, anchors scaled to the toy set's objects.
_base_ = [
    '../_base_/models/faster-rcnn_r50-dc5_vid.py',
    '../_base_/datasets/toy_vid.py',
    '../_base_/schedules/hvrnet_stage1_165k.py',
    '../_base_/default_runtime.py'
]
num_classes = 5
channels = 128
# the toy test pipeline's supports: 8 frames spread over the video
num_ref_imgs = 8
model = dict(
    type='SELSA',
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
        bbox_roi_extractor=dict(
            out_channels=channels, roi_layer=dict(sampling_ratio=0)),
        bbox_head=dict(
            in_channels=channels,
            fc_out_channels=256,
            num_classes=num_classes,
            aggregator=dict(
                type='RelationBlock', in_channels=256, num_heads=8))),
    train_cfg=dict(
        rpn_proposal=dict(nms_pre=1000, max_per_img=64),
        rcnn=dict(sampler=dict(num=64))),
    test_cfg=dict(rpn=dict(nms_pre=1000, max_per_img=64),
                  num_ref_imgs=num_ref_imgs))

# the toy HVR-Net stage-1 schedule
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
