# Tests: the relation loss's gradient reaching the shared features at the
# configured lambda (the authors' gradient path).
_base_ = './hvrnet_r18-dc5_stage2_toyvid.py'
model = dict(roi_head=dict(triplet_miner=dict(to_features=True)))
ablation = dict(support_bank=None)
