# HVR-Net's stage 2 (docs/design.md §1.5), set once for every
# stage-2 config: from the stage-1 weights, the stem and res2-res4 and the
# RPN are frozen; a batch is one group of 9 videos (the anchor video, 2 more
# of its class, 3 of each of 2 other classes) for the multi-level triplet
# selection. HVRStageHook (default_runtime.py) checks this wiring before the
# first iteration and starts head B from head A.
#
# A stage-2 config lists this file among its bases and sets
#     model = {{_base_.stage2_model}}
#     train_dataloader = {{_base_.stage2_train_dataloader}}
# (mmengine refuses two bases that define the same key, hence the names);
# each is merged into the other bases' model / train_dataloader.
stage2_model = dict(
    stage=2,
    backbone=dict(
        # every conv layer before conv5 (stem + res2..res4), BN included
        frozen_stages=3,
        norm_cfg=dict(type='BN', requires_grad=False),
        norm_eval=True,
        # the weights come from the stage-1 checkpoint (load_from)
        init_cfg=None),
    frozen_modules=['rpn_head'])
stage2_train_dataloader = dict(
    batch_size=9,
    batch_sampler=dict(
        type='VideoTripletSampler', num_same=3, num_other_classes=2))
