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
        bbox_roi_extractor={{_base_.model.roi_head.bbox_roi_extractor}},
        # HVRBBoxHead's settings in the toy stage 1, SELSA's aggregators
        bbox_head=dict(
            type='SelsaBBoxHead',
            in_channels={{_base_.model.roi_head.bbox_head.in_channels}},
            fc_out_channels={{_base_.model.roi_head.bbox_head.fc_out_channels}},
            roi_feat_size={{_base_.model.roi_head.bbox_head.roi_feat_size}},
            num_classes={{_base_.model.roi_head.bbox_head.num_classes}},
            num_shared_fcs=2,
            aggregator=dict(
                type='RelationBlock',
                in_channels={{_base_.model.roi_head.bbox_head.fc_out_channels}},
                num_heads=8),
            bbox_coder={{_base_.model.roi_head.bbox_head.bbox_coder}},
            reg_class_agnostic={{_base_.model.roi_head.bbox_head.reg_class_agnostic}},
            loss_cls={{_base_.model.roi_head.bbox_head.loss_cls}},
            loss_bbox={{_base_.model.roi_head.bbox_head.loss_bbox}})),
    test_cfg=dict(num_ref_imgs=num_ref_imgs))
