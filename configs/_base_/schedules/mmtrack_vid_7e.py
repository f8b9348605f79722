# MMTracking dev-1.x's VID schedule (its SELSA / Temporal RoI Align / FGFA /
# DFF configs): 7 epochs, SGD lr 0.01 (8 GPUs x 1 item), x0.1 after epochs 2
# and 5, 500 iterations of linear warm-up; checkpoints and logs by epoch.
# It holds default_runtime.py: a config lists this file instead of that one.
_base_ = ['../default_runtime.py']
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=7, val_interval=7)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0001),
    clip_grad=dict(max_norm=35, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=1.0 / 3, by_epoch=False, begin=0,
         end=500),
    dict(type='MultiStepLR', begin=0, end=7, by_epoch=True,
         milestones=[2, 5], gamma=0.1)
]
log_processor = dict(by_epoch=True)
default_hooks = dict(checkpoint=dict(by_epoch=True, interval=1))
