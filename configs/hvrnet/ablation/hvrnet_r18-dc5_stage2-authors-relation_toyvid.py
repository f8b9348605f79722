# Tests: the authors' form of the inter-video relation (one head, the
# support rows as values, no value projection, ReLU after the residual).
_base_ = './hvrnet_r18-dc5_stage2_toyvid.py'
model = dict(
    roi_head=dict(
        bbox_head=dict(
            inter_relation=dict(
                num_heads=1, project_value=False, residual_relu=True))))
ablation = dict(support_bank=None)
