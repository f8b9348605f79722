# A CPU-sized single-frame Faster R-CNN on the toy VID set: the toy SELSA
# config (configs/selsa/selsa_faster-rcnn_r18-dc5_toyvid.py) with no
# aggregator and no references, trained on key frames only, the baseline
# of the toy comparison (docs/results/toy_comparison.md).
_base_ = ['../selsa/selsa_faster-rcnn_r18-dc5_toyvid.py']
num_ref_imgs = 0
model = dict(
    type='FasterRCNNVID',
    roi_head=dict(bbox_head=dict(aggregator=None)),
    test_cfg=dict(num_ref_imgs=num_ref_imgs))
