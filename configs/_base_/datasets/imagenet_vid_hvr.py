# ImageNet VID + the 30 VID classes of DET (one-frame videos), converted by
# tools/dataset_converters/imagenet2coco_{vid,det}.py into annotations/.
dataset_type = 'ImagenetVIDDataset'
data_root = 'data/ILSVRC/'
backend_args = None
mean = [123.675, 116.28, 103.53]

train_pipeline = [
    # key frame + 2 supports at random offsets in the video
    dict(type='VideoKeySupportSample', num_support=2),
    dict(
        type='TransformBroadcaster',
        share_random_params=True,
        transforms=[
            dict(type='LoadImageFromFile', backend_args=backend_args),
            dict(type='LoadTrackAnnotations'),
        ]),
    # SSD-style augmentation: photometric distortion per frame ...
    dict(
        type='TransformBroadcaster',
        share_random_params=False,
        transforms=[dict(type='PhotoMetricDistortion')]),
    # ... geometry shared by every frame of the video
    dict(
        type='TransformBroadcaster',
        share_random_params=True,
        transforms=[
            dict(type='Expand', mean=mean, to_rgb=True, ratio_range=(1, 2)),
        ]),
    dict(type='VideoMinIoURandomCrop', min_ious=(0.1, 0.3, 0.5, 0.7, 0.9),
         min_crop_size=0.3),
    dict(
        type='TransformBroadcaster',
        share_random_params=True,
        transforms=[
            dict(type='Resize', scale=(1000, 600), keep_ratio=True),
            dict(type='RandomFlip', prob=0.5),
        ]),
    dict(type='PackVideoInputs')
]
test_pipeline = [
    # 21 frames per key frame: the key frame and 20 supports spread over
    # the video; only frames not loaded for the previous key frame are read
    dict(type='VideoTestSupportSample', method='uniform', num_support=20,
         frame_range=10, load_only_new=True),
    dict(
        type='TransformBroadcaster',
        transforms=[
            dict(type='LoadImageFromFile', backend_args=backend_args),
            dict(type='LoadTrackAnnotations'),
            dict(type='Resize', scale=(1000, 600), keep_ratio=True),
        ]),
    dict(type='PackVideoInputs')
]
train_dataloader = dict(
    batch_size=1,
    num_workers=2,
    persistent_workers=True,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type='ConcatDataset',
        datasets=[
            dict(
                type=dataset_type,
                data_root=data_root,
                ann_file='annotations/imagenet_vid_train.json',
                data_prefix=dict(img_path='Data/VID'),
                key_frames_only=True,
                pipeline=train_pipeline),
            dict(
                type=dataset_type,
                data_root=data_root,
                ann_file='annotations/imagenet_det_30plus1cls.json',
                data_prefix=dict(img_path='Data/DET'),
                pipeline=train_pipeline),
        ]))
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
        pipeline=test_pipeline))
test_dataloader = val_dataloader
val_evaluator = dict(type='VIDMetric', metric='bbox')
test_evaluator = val_evaluator
