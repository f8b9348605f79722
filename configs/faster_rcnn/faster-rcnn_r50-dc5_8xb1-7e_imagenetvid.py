# Single-frame Faster R-CNN R50-DC5 on ImageNet VID (+DET), the baseline of
# every VID table: MMTracking dev-1.x's detector and schedule (its SELSA
# configs' 7-epoch one) run frame by frame on mmhvr's core.
_base_ = [
    '../_base_/models/faster-rcnn_r50-dc5_vid.py',
    '../_base_/datasets/imagenet_vid_mmtrack.py',
    '../_base_/schedules/mmtrack_vid_7e.py'
]
# references per key frame at test time (none: single frame; the dataset
# base's test pipeline loads none)
num_ref_imgs = 0
model = dict(test_cfg=dict(num_ref_imgs=num_ref_imgs))
auto_scale_lr = dict(enable=False, base_batch_size=8)
