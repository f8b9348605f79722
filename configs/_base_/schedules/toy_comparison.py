# The toy comparison's iteration budget (docs/results/toy_comparison.md):
# every stage-1-type model (single-frame, SELSA, Temporal RoI Align,
# HVR-Net stage 1) trains 400 iterations from scratch; HVR-Net stage 2 and
# the same-length stage-1 control train 100 more from that stage 1. The
# quick start's 600 + 150 at the same rates, shortened to fit a 3-seed run
# of every method on a 2-core CPU.
comparison_iters = 400
comparison_stage1 = dict(
    train_cfg=dict(max_iters=comparison_iters, val_interval=comparison_iters),
    param_scheduler=[
        dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
             end=50),
        dict(type='MultiStepLR', by_epoch=False, begin=0,
             end=comparison_iters, milestones=[320], gamma=0.1)
    ])
comparison_stage2_iters = 100
comparison_stage2 = dict(
    train_cfg=dict(max_iters=comparison_stage2_iters,
                   val_interval=comparison_stage2_iters),
    param_scheduler=[
        dict(type='LinearLR', start_factor=0.1, by_epoch=False, begin=0,
             end=20),
        dict(type='MultiStepLR', by_epoch=False, begin=0,
             end=comparison_stage2_iters, milestones=[80], gamma=0.1)
    ])
