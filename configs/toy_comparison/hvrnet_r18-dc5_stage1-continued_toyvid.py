# Toy comparison: stage 1 continued for stage 2's iterations at stage 2's rate, from this seed's stage 1 (the same-length control of stage 2).
_base_ = ['../hvrnet/hvrnet_faster-rcnn_r18-dc5_stage1_toyvid.py', '../_base_/schedules/toy_comparison.py']
train_cfg = {{_base_.comparison_stage2.train_cfg}}  # noqa: F821
param_scheduler = {{_base_.comparison_stage2.param_scheduler}}  # noqa: F821
optim_wrapper = dict(optimizer=dict(lr=0.005))
# read by tools/analysis_tools/run_ablation.py only (docs/tools.md)
ablation = dict(
    init_from='configs/toy_comparison/hvrnet_r18-dc5_stage1_toyvid.py')
