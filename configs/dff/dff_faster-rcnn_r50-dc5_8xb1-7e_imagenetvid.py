# DFF R50-DC5 on ImageNet VID (+DET): MMTracking dev-1.x's
# configs/vid/dff/dff_faster-rcnn_r50-dc5_8xb1-7e_imagenetvid.py on mmhvr.
# The key-frame interval is model.test_cfg.key_frame_interval (10); the
# schedule comes from the bases.
_base_ = [
    '../_base_/models/dff_faster-rcnn_r50-dc5.py',
    '../_base_/datasets/imagenet_vid_mmtrack.py',
    '../_base_/schedules/mmtrack_vid_7e.py'
]
# training: a key frame and 1 reference within +-9 (MMTracking's
# uniform sampling, frame_range 9)
train_pipeline = [
    dict(type='VideoKeySupportSample', num_support=1, frame_range=9),
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
# the datasets of the base, re-specified with this train_pipeline (a list
# is replaced whole, not merged)
train_dataloader = dict(
    dataset=dict(
        datasets=[
            dict(
                type='RepeatDataset',
                times=15,
                dataset=dict(
                    type='ImagenetVIDDataset',
                    data_root={{_base_.data_root}},
                    ann_file='annotations/imagenet_vid_train.json',
                    data_prefix=dict(img_path='Data/VID'),
                    key_frames_only=True,
                    pipeline=train_pipeline)),
            dict(
                type='ImagenetVIDDataset',
                data_root={{_base_.data_root}},
                ann_file='annotations/imagenet_det_30plus1cls.json',
                data_prefix=dict(img_path='Data/DET'),
                pipeline=train_pipeline)
        ]))
# test: one frame per item, no references (the model keeps the key frame)
test_pipeline = [
    dict(type='VideoTestSupportSample', method='past', num_support=0,
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
