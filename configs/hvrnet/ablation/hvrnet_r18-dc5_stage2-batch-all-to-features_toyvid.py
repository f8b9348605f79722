# Tests: batch-all triplet mining with the loss's gradient reaching the
# shared features.
_base_ = './hvrnet_r18-dc5_stage2_toyvid.py'
model = dict(roi_head=dict(triplet_mining='all', triplet_to_features=True))
