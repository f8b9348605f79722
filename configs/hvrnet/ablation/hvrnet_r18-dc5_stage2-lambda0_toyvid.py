# Tests: stage 2 without the relation loss (lambda = 0): what the inter
# relation and head B give on their own.
_base_ = './hvrnet_r18-dc5_stage2_toyvid.py'
model = dict(roi_head=dict(triplet_loss=dict(loss_weight=0.0)))
