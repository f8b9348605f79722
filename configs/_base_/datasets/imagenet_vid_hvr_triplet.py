# Stage 2: every batch is one group of videos from VideoTripletSampler
# (anchor + 2 more of its class, 3 videos of each of 2 other classes).
_base_ = './imagenet_vid_hvr.py'
train_dataloader = dict(
    batch_size=9,
    batch_sampler=dict(
        type='VideoTripletSampler', num_same=3, num_other_classes=2),
    # video classes come from VID videos (DET images join through stage 1)
    dataset=dict(
        _delete_=True,
        type={{_base_.dataset_type}},
        data_root={{_base_.data_root}},
        ann_file='annotations/imagenet_vid_train.json',
        data_prefix=dict(img_path='Data/VID'),
        key_frames_only=True,
        pipeline={{_base_.train_pipeline}}))
