# A CPU-sized Temporal RoI Align on the toy VID set: the toy SELSA config
# with 3 shared fcs and the temporal RoI extractor (4 attention blocks over
# the 128-channel maps).
_base_ = ['../selsa/selsa_faster-rcnn_r18-dc5_toyvid.py']
model = dict(
    roi_head=dict(
        type='TemporalRoIAlignRoIHead',
        bbox_roi_extractor=dict(
            type='TemporalRoIAlignExtractor',
            num_most_similar_points=2,
            num_temporal_attention_blocks=4),
        bbox_head=dict(num_shared_fcs=3)))
