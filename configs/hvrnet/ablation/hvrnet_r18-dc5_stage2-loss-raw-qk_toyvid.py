# Tests: the relation loss on the raw (not L2-normalised) query/key
# embeddings, the authors' choice.
_base_ = './hvrnet_r18-dc5_stage2_toyvid.py'
model = dict(roi_head=dict(triplet_loss=dict(normalize=False)))
ablation = dict(support_bank=None)
