# Tests: batch-all triplet mining (every valid triplet of the pool,
# averaged over the active ones) instead of each anchor's hardest pair.
_base_ = './hvrnet_r18-dc5_stage2_toyvid.py'
model = dict(
    roi_head=dict(triplet_miner=dict(type='BatchAllTripletMiner')))
