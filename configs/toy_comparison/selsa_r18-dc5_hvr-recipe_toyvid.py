# Toy comparison: SELSA on the toy HVR-Net stage 1's detector recipe (its
# neck, RPN, assigners, box coder and test NMS), so that only the box head's
# relations differ from ./hvrnet_r18-dc5_stage1_toyvid.py: its intra-video
# relations replaced by SELSA's aggregator (8 references spread over the
# video at test time). ./selsa_r18-dc5_toyvid.py keeps MMTracking's recipe.
_base_ = ['./hvrnet_r18-dc5_stage1_toyvid.py']
num_ref_imgs = 8
model = dict(
    type='SELSA',
    roi_head=dict(
        _delete_=True,
        type='SelsaRoIHead',
        bbox_roi_extractor=dict(
            type='SingleRoIExtractor',
            roi_layer=dict(type='RoIAlign', output_size=7, sampling_ratio=0),
            out_channels=128,
            featmap_strides=[16]),
        # HVRBBoxHead's settings in the toy stage 1, SELSA's aggregators
        bbox_head=dict(
            type='SelsaBBoxHead',
            in_channels=128,
            fc_out_channels=256,
            roi_feat_size=7,
            num_classes=5,
            num_shared_fcs=2,
            aggregator=dict(
                type='RelationBlock', in_channels=256, num_heads=8),
            bbox_coder=dict(
                type='DeltaXYWHBBoxCoder',
                target_means=[0.0, 0.0, 0.0, 0.0],
                target_stds=[0.1, 0.1, 0.2, 0.2]),
            reg_class_agnostic=False,
            loss_cls=dict(
                type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
            loss_bbox=dict(type='SmoothL1Loss', beta=1.0, loss_weight=1.0))),
    test_cfg=dict(num_ref_imgs=num_ref_imgs))
