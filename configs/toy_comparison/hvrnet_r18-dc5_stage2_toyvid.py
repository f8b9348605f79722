# Toy comparison: HVR-Net stage 2 (head B), from this seed's stage 1.
_base_ = ['../hvrnet/hvrnet_faster-rcnn_r18-dc5_stage2_toyvid.py', '../_base_/schedules/toy_comparison.py']
train_cfg = {{_base_.comparison_stage2.train_cfg}}  # noqa: F821
param_scheduler = {{_base_.comparison_stage2.param_scheduler}}  # noqa: F821
# read by tools/analysis_tools/run_ablation.py only (docs/tools.md)
ablation = dict(
    init_from='configs/toy_comparison/hvrnet_r18-dc5_stage1_toyvid.py')
