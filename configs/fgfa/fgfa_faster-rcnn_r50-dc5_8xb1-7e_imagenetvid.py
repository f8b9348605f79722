# FGFA R50-DC5 on ImageNet VID (+DET): MMTracking dev-1.x's
# configs/vid/fgfa/fgfa_faster-rcnn_r50-dc5_8xb1-7e_imagenetvid.py on mmhvr.
# Training (a key frame and 2 references within +-9, MMTracking's
# bilateral_uniform sampling) and the schedule come from the bases.
_base_ = [
    '../_base_/models/fgfa_faster-rcnn_r50-dc5.py',
    '../_base_/datasets/imagenet_vid_mmtrack.py',
    '../_base_/schedules/mmtrack_vid_7e.py'
]
# test: the key frame with the frames within +-15 (30 references, clamped
# at the video's ends as MMTracking's test_with_fix_stride, stride 1)
frame_range = 15
model = dict(
    test_cfg=dict(frame_range=frame_range, cache_frames=2 * frame_range + 1))

# (num_support: the past frames of inference_video(mode='online'), whose
# window then ends at the key frame; unused by the offline 'window')
test_pipeline = [
    dict(type='VideoTestSupportSample', method='window',
         frame_range=frame_range, num_support=frame_range,
         load_only_new=True),
    dict(
        type='TransformBroadcaster',
        transforms=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadTrackAnnotations'),
            dict(type='Resize', scale=(1000, 600), keep_ratio=True),
        ]),
    dict(type='PackVideoInputs')
]
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
