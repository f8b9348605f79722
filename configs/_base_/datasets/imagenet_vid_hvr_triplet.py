# The stage-2 training set: VID and DET videos, VID not repeated (a repeated
# video could fill two places of one group); an epoch makes every video the
# anchor once. The groups themselves: ../hvr_stage2.py.
_base_ = './imagenet_vid_hvr.py'
train_dataloader = dict(
    dataset=dict(
        type='ConcatDataset',
        datasets=[{{_base_.vid_train}}, {{_base_.det_train}}]))  # noqa
