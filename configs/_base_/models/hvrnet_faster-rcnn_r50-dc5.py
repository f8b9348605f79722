# HVR-Net on a Faster R-CNN with a dilated-conv5 ("DC5") ResNet: every number
# from docs/design.md §1 / the paper's supplementary material lives here.
model = dict(
    type='HVRDetector',
    stage=1,
    frozen_modules=[],
    data_preprocessor=dict(
        type='TrackDataPreprocessor',
        mean=[123.675, 116.28, 103.53],
        std=[58.395, 57.12, 57.375],
        bgr_to_rgb=True,
        pad_size_divisor=16),
    backbone=dict(
        type='ResNet',
        depth=50,
        num_stages=4,
        out_indices=(3, ),
        # DC5: conv5 keeps stride 16 and dilates its 3x3 convs by 2
        strides=(1, 2, 2, 1),
        dilations=(1, 1, 1, 2),
        frozen_stages=1,
        norm_cfg=dict(type='BN', requires_grad=False),
        norm_eval=True,
        style='pytorch',
        init_cfg=dict(type='Pretrained', checkpoint='torchvision://resnet50')),
    # the 256x1x1 convolution after conv5
    neck=dict(
        type='ChannelMapper',
        in_channels=[2048],
        out_channels=256,
        kernel_size=1,
        act_cfg=None,
        norm_cfg=None,
        num_outs=1),
    rpn_head=dict(
        type='RPNHead',
        in_channels=256,
        feat_channels=256,
        # 12 anchors per position: areas 64^2..512^2 x ratios 1:2, 1:1, 2:1
        anchor_generator=dict(
            type='AnchorGenerator',
            scales=[4, 8, 16, 32],
            ratios=[0.5, 1.0, 2.0],
            strides=[16]),
        bbox_coder=dict(
            type='DeltaXYWHBBoxCoder',
            target_means=[.0, .0, .0, .0],
            target_stds=[1.0, 1.0, 1.0, 1.0]),
        loss_cls=dict(
            type='CrossEntropyLoss', use_sigmoid=True, loss_weight=1.0),
        loss_bbox=dict(type='L1Loss', loss_weight=1.0)),
    roi_head=dict(
        type='HVRRoIHead',
        bbox_roi_extractor=dict(
            type='SingleRoIExtractor',
            roi_layer=dict(type='RoIAlign', output_size=7, sampling_ratio=2),
            out_channels=256,
            featmap_strides=[16]),
        bbox_head=dict(
            type='HVRBBoxHead',
            in_channels=256,
            roi_feat_size=7,
            fc_out_channels=1024,
            num_classes=30,
            intra_relations=[
                dict(type='IntraVideoRelation', in_channels=1024,
                     num_heads=16),
                dict(type='IntraVideoRelation', in_channels=1024,
                     num_heads=16),
            ],
            inter_relation=dict(
                type='InterVideoRelation', in_channels=1024, num_heads=16),
            bbox_coder=dict(
                type='DeltaXYWHBBoxCoder',
                target_means=[0., 0., 0., 0.],
                target_stds=[0.1, 0.1, 0.2, 0.2]),
            reg_class_agnostic=False,
            loss_cls=dict(
                type='CrossEntropyLoss', use_sigmoid=False, loss_weight=1.0),
            loss_bbox=dict(type='SmoothL1Loss', beta=1.0, loss_weight=1.0)),
        # L_rel: triplet margin gamma = 1, weight lambda = 10 (stage 2 only),
        # on the inter-video relation's query/key embeddings (L2-normalised),
        # mined by its affinity: each foreground RoI's hardest positive and
        # negative; the loss trains the relation's query/key projections
        # only (to_features=False). Other miners: BatchAllTripletMiner,
        # OutputTripletMiner (mmhvr/models/task_modules/triplet_miners.py).
        triplet_miner=dict(type='HardestTripletMiner', to_features=False),
        triplet_loss=dict(
            type='RelationTripletLoss',
            margin=1.0,
            loss_weight=10.0,
            normalize=True)),
    train_cfg=dict(
        rpn=dict(
            assigner=dict(
                type='MaxIoUAssigner',
                pos_iou_thr=0.7,
                neg_iou_thr=0.3,
                min_pos_iou=0.3,
                match_low_quality=True,
                ignore_iof_thr=-1),
            sampler=dict(
                type='RandomSampler',
                num=256,
                pos_fraction=0.5,
                neg_pos_ub=-1,
                add_gt_as_proposals=False),
            allowed_border=-1,
            pos_weight=-1,
            debug=False),
        # 300 proposals per frame after NMS 0.7 over the top 6000
        rpn_proposal=dict(
            nms_pre=6000,
            max_per_img=300,
            nms=dict(type='nms', iou_threshold=0.7),
            min_bbox_size=0),
        rcnn=dict(
            assigner=dict(
                type='MaxIoUAssigner',
                pos_iou_thr=0.5,
                neg_iou_thr=0.5,
                min_pos_iou=0.5,
                match_low_quality=False,
                ignore_iof_thr=-1),
            sampler=dict(
                type='RandomSampler',
                num=256,
                pos_fraction=0.25,
                neg_pos_ub=-1,
                add_gt_as_proposals=True),
            pos_weight=-1,
            debug=False)),
    test_cfg=dict(
        rpn=dict(
            nms_pre=6000,
            max_per_img=300,
            nms=dict(type='nms', iou_threshold=0.7),
            min_bbox_size=0),
        # official post-processing: score 0.001, NMS 0.3, 300 boxes per frame
        rcnn=dict(
            score_thr=0.001,
            nms=dict(type='nms', iou_threshold=0.3),
            max_per_img=300),
        # 'final' (head B) or 'intra' (head A); default: by stage
        branch=None,
        # frame memories kept per video (the test pipeline's
        # VideoTestSupportSample.load_only_new switches the caching)
        cache_frames=64,
        # optional cross-video bank for the inter-video relation, built by
        # tools/analysis_tools/build_support_bank.py: set file='bank.pth'
        # (with_own: the key frame's own video's proposals too); empty: none
        support_bank=dict()))
