# Toy comparison: single-frame Faster R-CNN on the toy HVR-Net stage 1's
# detector recipe (./selsa_r18-dc5_hvr-recipe_toyvid.py without aggregators
# or references), trained on key frames only; the control of that recipe.
_base_ = ['./selsa_r18-dc5_hvr-recipe_toyvid.py']
num_ref_imgs = 0
model = dict(
    type='FasterRCNNVID',
    roi_head=dict(bbox_head=dict(aggregator=None)),
    test_cfg=dict(num_ref_imgs=num_ref_imgs))
