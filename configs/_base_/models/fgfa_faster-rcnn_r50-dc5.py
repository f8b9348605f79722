# FGFA (MMTracking dev-1.x configs/vid/fgfa/*_r50-dc5_*): the flow detector
# with the embedding-weighted aggregator. The method config sets the test
# window (test_cfg.frame_range, cache_frames) with its test pipeline.
_base_ = ['./flow_faster-rcnn_r50-dc5.py']
model = dict(
    type='FGFA',
    aggregator=dict(
        type='EmbedAggregator', num_convs=1, channels=512, kernel_size=3))
