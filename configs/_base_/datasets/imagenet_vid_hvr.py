# ImageNet VID (+ the 30 VID classes of ImageNet DET as one-frame videos),
# CocoVID annotations written by tools/dataset_converters/imagenet2coco_vid.py.
# Item layout: docs/batch_layout.md.
dataset_type = 'ImagenetVIDDataset'
data_root = 'data/ILSVRC/'
backend_args = None
# the ImageNet mean (RGB), used to fill the expanded canvas
img_mean = [123.675, 116.28, 103.53]

# Stage 1 and 2 training: one item = one video, key frame + 2 supports.
train_pipeline = [
    dict(type='VideoKeySupportSample', num_support=2),
    dict(
        type='TransformBroadcaster',
        share_random_params=True,
        transforms=[
            dict(type='LoadImageFromFile', backend_args=backend_args),
            dict(type='LoadTrackAnnotations'),
        ]),
    # photometric distortion drawn independently for every frame
    dict(
        type='TransformBroadcaster',
        share_random_params=False,
        transforms=[dict(type='PhotoMetricDistortion')]),
    # one expansion (ratio 1-2, filled with the mean) for all frames
    dict(
        type='TransformBroadcaster',
        share_random_params=True,
        transforms=[
            dict(type='Expand', mean=img_mean, to_rgb=True,
                 ratio_range=(1, 2)),
        ]),
    # one min-IoU crop for all frames, drawn from the key frame's boxes
    dict(type='VideoMinIoURandomCrop', min_ious=(0.1, 0.3, 0.5, 0.7, 0.9),
         min_crop_size=0.3),
    # shorter side 600, longer at most 1000; one flip decision per video
    dict(
        type='TransformBroadcaster',
        share_random_params=True,
        transforms=[
            dict(type='Resize', scale=(1000, 600), keep_ratio=True),
            dict(type='RandomFlip', prob=0.5),
            dict(type='Pad', size_divisor=16),
        ]),
    dict(type='PackVideoInputs')
]
# Testing: one item = one key frame (TrackImgSampler); its 20 supports are
# spread over the video and a frame is loaded once per video.
test_pipeline = [
    dict(type='VideoTestSupportSample', method='uniform', num_support=20,
         load_only_new=True),
    dict(
        type='TransformBroadcaster',
        transforms=[
            dict(type='LoadImageFromFile', backend_args=backend_args),
            dict(type='LoadTrackAnnotations'),
            dict(type='Resize', scale=(1000, 600), keep_ratio=True),
        ]),
    dict(type='PackVideoInputs')
]

vid_train = dict(
    type=dataset_type,
    data_root=data_root,
    ann_file='annotations/imagenet_vid_train.json',
    data_prefix=dict(img_path='Data/VID'),
    key_frames_only=True,
    pipeline=train_pipeline,
    backend_args=backend_args)
det_train = dict(
    type=dataset_type,
    data_root=data_root,
    ann_file='annotations/imagenet_det_30plus1cls.json',
    data_prefix=dict(img_path='Data/DET'),
    pipeline=train_pipeline,
    backend_args=backend_args)

train_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    # one VID item is one video with a key frame drawn among its 15
    # is_vid_train_frame frames: repeated 15 times, VID weighs about as much
    # as DET per epoch (as with MMTracking's 15 key frames per video)
    dataset=dict(
        type='ConcatDataset',
        datasets=[dict(type='RepeatDataset', times=15, dataset=vid_train),
                  det_train]))
val_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    drop_last=False,
    sampler=dict(type='TrackImgSampler'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/imagenet_vid_val.json',
        data_prefix=dict(img_path='Data/VID'),
        test_mode=True,
        pipeline=test_pipeline,
        backend_args=backend_args))
test_dataloader = val_dataloader
val_evaluator = dict(type='VIDMetric', metric='bbox')
test_evaluator = val_evaluator
