# The built-in toy VID set (tools/dataset_converters/make_toy_vid.py).
# Small frames, so the detector, anchors and augmentation are scaled down in
# the toy model configs; the layout is the same as ImageNet VID's. No
# expand/min-IoU crop here (the ImageNet VID configs keep the full
# SSD-style set; docs hold why).
dataset_type = 'ImagenetVIDDataset'
data_root = 'data/toy_vid/'
toy_classes = ('disc', 'square', 'triangle', 'striped_cat', 'spotted_cat')

train_pipeline = [
    dict(type='VideoKeySupportSample', num_support=2),
    dict(
        type='TransformBroadcaster',
        share_random_params=True,
        transforms=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadTrackAnnotations'),
        ]),
    dict(
        type='TransformBroadcaster',
        share_random_params=False,
        transforms=[dict(type='PhotoMetricDistortion')]),
    dict(
        type='TransformBroadcaster',
        share_random_params=True,
        transforms=[
            dict(type='Resize', scale=(320, 256), keep_ratio=True),
            dict(type='RandomFlip', prob=0.5),
        ]),
    dict(type='PackVideoInputs')
]
test_pipeline = [
    dict(type='VideoTestSupportSample', method='uniform', num_support=8,
         load_only_new=True),
    dict(
        type='TransformBroadcaster',
        transforms=[
            dict(type='LoadImageFromFile'),
            dict(type='LoadTrackAnnotations'),
            dict(type='Resize', scale=(320, 256), keep_ratio=True),
        ]),
    dict(type='PackVideoInputs')
]
train_dataloader = dict(
    batch_size=2,
    num_workers=0,
    persistent_workers=False,
    sampler=dict(type='DefaultSampler', shuffle=True),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/toy_vid_train.json',
        metainfo=dict(classes=toy_classes),
        data_prefix=dict(img_path='Data'),
        key_frames_only=True,
        pipeline=train_pipeline))
val_dataloader = dict(
    batch_size=1,
    num_workers=0,
    persistent_workers=False,
    drop_last=False,
    sampler=dict(type='TrackImgSampler'),
    dataset=dict(
        type=dataset_type,
        data_root=data_root,
        ann_file='annotations/toy_vid_val.json',
        metainfo=dict(classes=toy_classes),
        data_prefix=dict(img_path='Data'),
        test_mode=True,
        pipeline=test_pipeline))
test_dataloader = val_dataloader
# confusion: which class each object is called (the striped/spotted cats)
val_evaluator = dict(type='VIDMetric', metric='bbox', confusion=True)
test_evaluator = val_evaluator
