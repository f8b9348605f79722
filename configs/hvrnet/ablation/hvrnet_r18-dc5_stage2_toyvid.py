# Tests: the toy stage 2 as configured (the reference the other stage-2
# variants inherit and change one option of), from the seed's stage-1
# weights; head A and head B, and head B with a cross-video support bank.
_base_ = '../hvrnet_faster-rcnn_r18-dc5_stage2_toyvid.py'
ablation = dict(
    init_from='configs/hvrnet/ablation/hvrnet_r18-dc5_stage1_toyvid.py',
    tests=dict(A={'model.test_cfg.branch': 'intra'}, B={}),
    # head B again with a bank of training RoIs (build_support_bank.py),
    # and relation_retrieval.py over that bank; None: no bank test
    support_bank=dict(test='B', per_class=64))
