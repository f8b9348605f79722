# Toy comparison: HVR-Net stage 1 (intra-video relations, head A).
_base_ = ['../hvrnet/hvrnet_faster-rcnn_r18-dc5_stage1_toyvid.py', '../_base_/schedules/toy_comparison.py']
train_cfg = {{_base_.comparison_stage1.train_cfg}}  # noqa: F821
param_scheduler = {{_base_.comparison_stage1.param_scheduler}}  # noqa: F821
