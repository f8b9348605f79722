# FGFA R50-DC5 on ImageNet VID (+DET): MMTracking dev-1.x's
# configs/vid/fgfa/fgfa_faster-rcnn_r50-dc5_8xb1-7e_imagenetvid.py on mmhvr.
_base_ = [
    '../_base_/models/fgfa_faster-rcnn_r50-dc5.py',
    '../_base_/datasets/imagenet_vid_hvr.py',
    '../_base_/default_runtime.py'
]
# test: the key frame with the frames within +-15 (30 references, clamped
# at the video's ends as MMTracking's test_with_fix_stride, stride 1)
frame_range = 15
model = dict(
    test_cfg=dict(frame_range=frame_range, cache_frames=2 * frame_range + 1))

# training: a key frame and 2 references within +-9 (MMTracking's
# bilateral_uniform sampling, frame_range 9)
train_pipeline = [
    dict(type='VideoKeySupportSample', num_support=2, frame_range=9),
    dict(
        type='TransformBroadcaster',
        share_random_params=True,
        transforms=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadTrackAnnotations'),
            dict(type='Resize', scale=(1000, 600), keep_ratio=True),
            dict(type='RandomFlip', prob=0.5),
        ]),
    dict(type='PackVideoInputs')
]
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
data_root = 'data/ILSVRC/'
train_dataloader = dict(
    dataset=dict(
        _delete_=True,
        type='ConcatDataset',
        datasets=[
            dict(
                type='RepeatDataset',
                times=15,
                dataset=dict(
                    type='ImagenetVIDDataset',
                    data_root=data_root,
                    ann_file='annotations/imagenet_vid_train.json',
                    data_prefix=dict(img_path='Data/VID'),
                    key_frames_only=True,
                    pipeline=train_pipeline)),
            dict(
                type='ImagenetVIDDataset',
                data_root=data_root,
                ann_file='annotations/imagenet_det_30plus1cls.json',
                data_prefix=dict(img_path='Data/DET'),
                pipeline=train_pipeline)
        ]))
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader

# 7 epochs, lr x0.1 after epochs 2 and 5 (MMTracking's schedule, 8 GPUs x 1)
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=7, val_interval=7)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
param_scheduler = [
    dict(type='LinearLR', start_factor=1.0 / 3, by_epoch=False, begin=0,
         end=500),
    dict(type='MultiStepLR', begin=0, end=7, by_epoch=True,
         milestones=[2, 5], gamma=0.1)
]
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0001),
    clip_grad=dict(max_norm=35, norm_type=2))
default_hooks = dict(checkpoint=dict(by_epoch=True, interval=1))
log_processor = dict(by_epoch=True)
