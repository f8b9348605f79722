# The detector of MMTracking dev-1.x's FGFA/DFF configs
# (faster-rcnn_r50-dc5.py) with its FlowNetSimple; the method configs set
# `type` and their own parts. docs/mmtrack_methods.md.
_base_ = ['./faster-rcnn_r50-dc5.py']
model = dict(
    # FlowNetSimple on the pair at half size; flow x5 (MMTracking's values)
    motion=dict(
        type='FlowNetSimple',
        img_scale_factor=0.5,
        flow_scale_factor=5.0,
        flow_img_norm_mean=[0.411, 0.432, 0.450],
        flow_img_norm_std=[255.0, 255.0, 255.0],
        init_cfg=dict(
            type='Pretrained',
            checkpoint='https://download.openmmlab.com/mmtracking/'
            'pretrained_weights/flownet_simple.pth')))
