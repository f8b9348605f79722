# Stage 1 (supplementary): SGD, lr 0.0005, x0.1 at 110K, stop at 165K.
train_cfg = dict(type='IterBasedTrainLoop', max_iters=165000, val_interval=165000)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')

param_scheduler = [
    dict(type='LinearLR', start_factor=1.0 / 3, by_epoch=False, begin=0,
         end=500),
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=165000,
         milestones=[110000], gamma=0.1)
]

optim_wrapper = dict(
    type='OptimWrapper',
    constructor='FrozenAwareOptimWrapperConstructor',
    optimizer=dict(type='SGD', lr=0.0005, momentum=0.9, weight_decay=0.0001),
    clip_grad=dict(max_norm=35, norm_type=2))

# stage 1 leaves the inter-video relation and head B unused: DDP must know
find_unused_parameters = True
