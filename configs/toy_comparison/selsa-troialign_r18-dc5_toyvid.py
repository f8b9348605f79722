# Toy comparison: Temporal RoI Align (SELSA + temporal RoI extractor).
_base_ = ['../temporal_roi_align/selsa-troialign_faster-rcnn_r18-dc5_toyvid.py', '../_base_/schedules/toy_comparison.py']
train_cfg = {{_base_.comparison_stage1.train_cfg}}  # noqa: F821
param_scheduler = {{_base_.comparison_stage1.param_scheduler}}  # noqa: F821
