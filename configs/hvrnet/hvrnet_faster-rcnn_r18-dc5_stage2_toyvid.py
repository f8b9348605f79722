# Stage 2 of the CPU-sized toy model: same freezing and losses as the R101
# stage-2 config (gamma = 1, lambda = 10 on the inter-video relation's
# query/key embeddings), on groups of 3 + 3 + 3 toy videos.
_base_ = './hvrnet_faster-rcnn_r18-dc5_stage1_toyvid.py'
model = dict(
    stage=2,
    # as in the R101 stage 2: conv1-conv4 and their BN frozen
    backbone=dict(
        frozen_stages=3,
        norm_cfg=dict(type='BN', requires_grad=False),
        norm_eval=True),
    frozen_modules=['rpn_head'])
# head B (untrained in stage 1) starts as a copy of head A
custom_hooks = [
    dict(type='RNGStateHook'),
    dict(type='FinalHeadFromIntraHook')
]
train_dataloader = dict(
    batch_size=9,
    batch_sampler=dict(
        type='VideoTripletSampler', num_same=3, num_other_classes=2))
train_cfg = dict(max_iters=150, val_interval=150)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
         end=20),
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=150,
         milestones=[120], gamma=0.1)
]
optim_wrapper = dict(optimizer=dict(lr=0.005))
load_from = 'work_dirs/hvrnet_faster-rcnn_r18-dc5_stage1_toyvid/iter_600.pth'
