# Stage 2 (supplementary): lr 0.0016, x0.1 at 82K, stop at 110K.
_base_ = './hvrnet_stage1_165k.py'

train_cfg = dict(max_iters=110000, val_interval=110000)
param_scheduler = [
    dict(type='LinearLR', start_factor=1.0 / 3, by_epoch=False, begin=0,
         end=500),
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=110000,
         milestones=[82000], gamma=0.1)
]
optim_wrapper = dict(optimizer=dict(lr=0.0016))
find_unused_parameters = False
