import os.path as osp

REPO = osp.dirname(osp.dirname(osp.abspath(__file__)))
TOY1 = osp.join(REPO, 'configs/hvrnet/'
                'hvrnet_faster-rcnn_r18-dc5_stage1_toyvid.py')
TOY2 = osp.join(REPO, 'configs/hvrnet/'
                'hvrnet_faster-rcnn_r18-dc5_stage2_toyvid.py')
