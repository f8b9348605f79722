# Tests: the relation loss on the inter relation's L2-normalised output
# instead of its query/key embeddings.
_base_ = './hvrnet_r18-dc5_stage2_toyvid.py'
model = dict(
    roi_head=dict(
        triplet_miner=dict(_delete_=True, type='OutputTripletMiner'),
        triplet_loss=dict(normalize=True)))
ablation = dict(support_bank=None)
