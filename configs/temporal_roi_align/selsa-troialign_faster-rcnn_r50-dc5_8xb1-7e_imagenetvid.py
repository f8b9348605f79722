# Temporal RoI Align R50-DC5 on ImageNet VID (+DET): MMTracking dev-1.x's
# configs/vid/temporal_roi_align/selsa-troialign_faster-rcnn_r50-dc5_8xb1-
# 7e_imagenetvid.py on mmhvr's core: SELSA with 3 shared fcs and the key
# frame's RoI features from Temporal RoI Align.
_base_ = ['../selsa/selsa_faster-rcnn_r50-dc5_8xb1-7e_imagenetvid.py']
model = dict(
    roi_head=dict(
        type='TemporalRoIAlignRoIHead',
        bbox_roi_extractor=dict(
            type='TemporalRoIAlignExtractor',
            num_most_similar_points=2,
            num_temporal_attention_blocks=4),
        bbox_head=dict(num_shared_fcs=3)))
