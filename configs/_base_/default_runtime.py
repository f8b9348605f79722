default_scope = 'mmhvr'

default_hooks = dict(
    timer=dict(type='IterTimerHook'),
    logger=dict(type='LoggerHook', interval=50),
    param_scheduler=dict(type='ParamSchedulerHook'),
    # mmengine's CheckpointHook with atomic checkpoint/last_checkpoint writes
    checkpoint=dict(
        type='AtomicCheckpointHook',
        by_epoch=False,
        interval=5000,
        max_keep_ckpts=3),
    sampler_seed=dict(type='DistSamplerSeedHook'),
    visualization=dict(type='mmdet.DetVisualizationHook'))

env_cfg = dict(
    cudnn_benchmark=False,
    mp_cfg=dict(mp_start_method='fork', opencv_num_threads=0),
    dist_cfg=dict(backend='nccl'))

vis_backends = [dict(type='LocalVisBackend')]
# mmhvr's registered VideoLocalVisualizer (mmdet's DetLocalVisualizer plus
# key frame / support frame grids), found from the mmhvr scope
visualizer = dict(
    type='VideoLocalVisualizer', vis_backends=vis_backends, name='visualizer')
log_processor = dict(type='LogProcessor', window_size=50, by_epoch=False)

log_level = 'INFO'
load_from = None
resume = False

# a fixed seed: two runs of a config draw the same data, augmentations and
# initial weights (tools/train.py --seed N to vary it, --deterministic for
# deterministic kernels)
randomness = dict(seed=0, deterministic=False)
# RNG states travel with checkpoints so that --resume continues exactly;
# HVRStageHook checks a stage-2 run's wiring and starts head B from head A,
# and writes the stage and class names into checkpoints (tools/train.py
# adds it to any config without it)
custom_hooks = [dict(type='RNGStateHook'), dict(type='HVRStageHook')]
