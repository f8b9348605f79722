# Stage 2 of the CPU-sized toy model: the stage-2 wiring of every HVR-Net
# config (../_base_/hvr_stage2.py) on groups of 3 + 3 + 3 toy videos.
_base_ = [
    './hvrnet_faster-rcnn_r18-dc5_stage1_toyvid.py',
    '../_base_/hvr_stage2.py'
]
model = {{_base_.stage2_model}}  # noqa: F821
train_dataloader = {{_base_.stage2_train_dataloader}}  # noqa: F821
train_cfg = dict(max_iters=150, val_interval=150)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
         end=20),
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=150,
         milestones=[120], gamma=0.1)
]
optim_wrapper = dict(optimizer=dict(lr=0.005))
load_from = 'work_dirs/hvrnet_faster-rcnn_r18-dc5_stage1_toyvid/iter_600.pth'
