# Stage 2: a batch is one group of 9 videos (anchor video, 2 more of its
# class, 3 of each of 2 other classes) for the multi-level triplet selection.
# VID is not repeated here: a repeated video could fill two places of one
# group; an epoch makes every video (VID and DET) the anchor once.
_base_ = './imagenet_vid_hvr.py'
train_dataloader = dict(
    batch_size=9,
    batch_sampler=dict(
        type='VideoTripletSampler', num_same=3, num_other_classes=2),
    dataset=dict(
        type='ConcatDataset',
        datasets=[{{_base_.vid_train}}, {{_base_.det_train}}]))  # noqa
