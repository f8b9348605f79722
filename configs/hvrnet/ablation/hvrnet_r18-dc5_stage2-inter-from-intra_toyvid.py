# Tests: the inter-video relation starting as a copy of the trained
# intra(2) relation instead of untrained weights.
_base_ = './hvrnet_r18-dc5_stage2_toyvid.py'
custom_hooks = [
    dict(type='RNGStateHook'),
    dict(type='HVRStageHook', inter_from_intra=True)
]
