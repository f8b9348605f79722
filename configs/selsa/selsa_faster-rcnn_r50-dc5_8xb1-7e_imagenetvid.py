# SELSA R50-DC5 on ImageNet VID (+DET): MMTracking dev-1.x's
# configs/vid/selsa/selsa_faster-rcnn_r50-dc5_8xb1-7e_imagenetvid.py on
# mmhvr's core (the single-frame config plus the aggregators and the test
# references).
_base_ = ['../faster_rcnn/faster-rcnn_r50-dc5_8xb1-7e_imagenetvid.py']
# 14 references spread over the whole video (test_with_adaptive_stride),
# plus the key frame itself
num_ref_imgs = 14
model = dict(
    type='SELSA',
    roi_head=dict(
        bbox_head=dict(
            num_shared_fcs=2,
            # SelsaAggregator(in_channels=1024, num_attention_blocks=16):
            # RelationBlock computes the same attention and residual
            aggregator=dict(
                type='RelationBlock', in_channels=1024, num_heads=16))),
    # the references stay cached (used by every key frame, so the most
    # recently used), plus the key frame and one more
    test_cfg=dict(num_ref_imgs=num_ref_imgs, cache_frames=num_ref_imgs + 2))
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
val_dataloader = dict(dataset=dict(pipeline=test_pipeline))
test_dataloader = val_dataloader
