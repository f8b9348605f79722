# Tests: the inter-video relation and head B learning 10x faster than the
# rest (does head B move away from head A when they can?).
_base_ = './hvrnet_r18-dc5_stage2_toyvid.py'
optim_wrapper = dict(
    paramwise_cfg=dict(
        custom_keys={
            'roi_head.bbox_head.inter_relation': dict(lr_mult=10.0),
            'roi_head.bbox_head.fc_cls.': dict(lr_mult=10.0),
            'roi_head.bbox_head.fc_reg.': dict(lr_mult=10.0)
        }))
