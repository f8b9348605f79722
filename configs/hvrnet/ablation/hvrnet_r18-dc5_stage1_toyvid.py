# Tests: nothing by itself; the toy stage-1 model every other ablation run
# starts from (run_ablation.py trains it once per seed, before the others).
_base_ = '../hvrnet_faster-rcnn_r18-dc5_stage1_toyvid.py'
# read by tools/analysis_tools/run_ablation.py only (docs/tools.md): the
# tests to run on the trained weights, name -> --cfg-options of tools/test.py
ablation = dict(tests=dict(A={}))
