# Stage 2: a batch is one group of 9 videos (anchor video, 2 more of its
# class, 3 of each of 2 other classes) for the multi-level triplet selection.
_base_ = './imagenet_vid_hvr.py'
train_dataloader = dict(
    batch_size=9,
    batch_sampler=dict(
        type='VideoTripletSampler', num_same=3, num_other_classes=2))
