# ImageNet VID (+DET) as MMTracking dev-1.x's VID configs train and test it
# (their imagenet_vid_fgfa_style / _selsa_style datasets): the annotations,
# validation split and VIDMetric of imagenet_vid_hvr.py; MMTracking's
# pipelines (resize and flip only).
_base_ = ['./imagenet_vid_hvr.py']
# training: a key frame and 2 references within +-9 frames (MMTracking's
# bilateral_uniform sampling; the single-frame detector uses the key only).
# A method config with another train_pipeline re-specifies train_dataloader.
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
# testing, single frame: no references (num_support must equal the model's
# test_cfg.num_ref_imgs); a method config with references re-specifies
# test_pipeline and val_dataloader
test_pipeline = [
    dict(type='VideoTestSupportSample', method='uniform', num_support=0,
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
