_base_ = './imagenet_vid_hvr.py'
train_dataloader = dict(batch_size=9, batch_sampler=dict(type='VideoTripletSampler', num_same=3, num_other_classes=2))
