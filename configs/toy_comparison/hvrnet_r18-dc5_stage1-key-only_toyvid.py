# Toy comparison: HVR-Net stage 1 with the detection losses on the key frame
# only, as SELSA, Temporal RoI Align and the single-frame control train (the
# toy stage 1 also supervises its 2 supports).
_base_ = ['./hvrnet_r18-dc5_stage1_toyvid.py']
model = dict(train_cfg=dict(supervise_supports=False))
