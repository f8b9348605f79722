# Tests: is stage 2's gain the inter-video level's or just more training?
# Stage 1 (intra relations, head A) continued from the stage-1 weights for
# stage 2's iterations at stage 2's schedule: the same-length control.
_base_ = './hvrnet_r18-dc5_stage1_toyvid.py'
ablation = dict(
    init_from='configs/hvrnet/ablation/hvrnet_r18-dc5_stage1_toyvid.py')
# stage 2's schedule (tests/test_tools/test_run_ablation.py checks that it
# equals the toy stage-2 config's)
train_cfg = dict(max_iters=150, val_interval=150)
param_scheduler = [
    dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
         end=20),
    dict(type='MultiStepLR', by_epoch=False, begin=0, end=150,
         milestones=[120], gamma=0.1)
]
optim_wrapper = dict(optimizer=dict(lr=0.005))
