# Tests: batch-all triplet mining with the loss's gradient reaching the
# shared features.
_base_ = './hvrnet_r18-dc5_stage2_toyvid.py'
model = dict(
    roi_head=dict(
        triplet_miner=dict(type='BatchAllTripletMiner', to_features=True)))
