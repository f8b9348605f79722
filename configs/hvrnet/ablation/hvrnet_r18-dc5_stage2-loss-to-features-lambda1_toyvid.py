# Tests: the relation loss's gradient reaching the shared features
# (metric learning shaping them), at lambda = 1.
_base_ = './hvrnet_r18-dc5_stage2_toyvid.py'
model = dict(
    roi_head=dict(
        triplet_miner=dict(to_features=True),
        triplet_loss=dict(loss_weight=1.0)))
ablation = dict(support_bank=None)
