# Tests: the 10x faster inter relation and head B together with the
# relation loss's gradient reaching the shared features.
_base_ = './hvrnet_r18-dc5_stage2-fast-inter_toyvid.py'
model = dict(roi_head=dict(triplet_miner=dict(to_features=True)))
