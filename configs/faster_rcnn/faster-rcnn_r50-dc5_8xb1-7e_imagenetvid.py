# Single-frame Faster R-CNN R50-DC5 on ImageNet VID (+DET), the baseline of
# every VID table: MMTracking dev-1.x's detector and schedule (its SELSA
# configs' 7-epoch one) run frame by frame on mmhvr's core.
_base_ = [
    '../_base_/models/faster-rcnn_r50-dc5_vid.py',
    '../_base_/datasets/imagenet_vid_hvr.py',
    '../_base_/default_runtime.py'
]
# references per key frame at test time (none: single frame); the test
# pipeline's num_support loads them
num_ref_imgs = 0
model = dict(test_cfg=dict(num_ref_imgs=num_ref_imgs))

# training: a key frame and 2 references within +-9 frames (MMTracking's
# bilateral_uniform sampling; the single-frame detector uses the key only)
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
# testing: MMTracking's test_with_adaptive_stride references are frames
# spread evenly over the whole video ('uniform'), each loaded once
test_pipeline = [
    dict(type='VideoTestSupportSample', method='uniform',
         num_support=num_ref_imgs, load_only_new=True),
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

# MMTracking's schedule: 7 epochs, SGD lr 0.01 (8 GPUs x 1 item), x0.1
# after epochs 2 and 5, 500 iterations of linear warm-up
train_cfg = dict(type='EpochBasedTrainLoop', max_epochs=7, val_interval=7)
val_cfg = dict(type='ValLoop')
test_cfg = dict(type='TestLoop')
optim_wrapper = dict(
    type='OptimWrapper',
    optimizer=dict(type='SGD', lr=0.01, momentum=0.9, weight_decay=0.0001),
    clip_grad=dict(max_norm=35, norm_type=2))
param_scheduler = [
    dict(type='LinearLR', start_factor=1.0 / 3, by_epoch=False, begin=0,
         end=500),
    dict(type='MultiStepLR', begin=0, end=7, by_epoch=True,
         milestones=[2, 5], gamma=0.1)
]
log_processor = dict(by_epoch=True)
default_hooks = dict(checkpoint=dict(by_epoch=True, interval=1))
auto_scale_lr = dict(enable=False, base_batch_size=8)
