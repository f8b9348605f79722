"""tools/analysis_tools, tools/misc and tools/model_converters on a tiny
run made here, and the video visualizer they draw with."""
import glob
import hashlib
import json
import os.path as osp
import re

import cv2
import numpy as np
import pytest
import torch

from tests_helpers import TOY1, TOY2, run_tool


@pytest.fixture
def scalars(tmp_path):
    """A scalars.json as mmengine's LocalVisBackend writes it."""
    path = tmp_path / 'vis_data' / 'scalars.json'
    path.parent.mkdir()
    lines = [dict(lr=0.02, data_time=0.01, loss=2.0 - 0.1 * i,
                  loss_relation=0.5, time=0.5 + 0.1 * (i == 2), iter=i,
                  memory=0, step=i) for i in range(1, 5)]
    lines.append({'vid/mAP': 0.4, 'vid/mAP_slow': None, 'data_time': 0.0,
                  'time': 0.1, 'step': 4})
    path.write_text('\n'.join(json.dumps(ln) for ln in lines) + '\n')
    return path


def test_plot_curve_writes_a_figure(scalars, tmp_path):
    out = tmp_path / 'curve.png'
    proc = run_tool(['tools/analysis_tools/analyze_logs.py', 'plot_curve',
                     str(scalars), str(scalars), '--keys', 'loss',
                     'loss_relation', 'vid/mAP', '--legend', 'a', 'b',
                     '--out', str(out)])
    assert 'saved' in proc.stdout
    img = cv2.imread(str(out))
    assert img is not None and img.shape[0] > 100 and img.shape[1] > 100


def test_plot_curve_unknown_key_lists_the_keys(scalars, tmp_path):
    proc = run_tool(['tools/analysis_tools/analyze_logs.py', 'plot_curve',
                     str(scalars), '--keys', 'loss_cls',
                     '--out', str(tmp_path / 'x.png')], check=False)
    assert proc.returncode == 1
    assert "'loss_cls' is not in the log" in proc.stderr
    assert 'loss_relation' in proc.stderr


def test_cal_train_time(scalars):
    proc = run_tool(['tools/analysis_tools/analyze_logs.py',
                     'cal_train_time', str(scalars)])
    assert 'slowest iter (logged interval at step 2): 0.6000' in proc.stdout
    assert 'average iter time: 0.5250 s/iter' in proc.stdout


def test_bad_log_line_names_file_and_line(tmp_path):
    bad = tmp_path / 'scalars.json'
    bad.write_text('{"lr": 1, "loss": 1, "step": 1}\n{oops\n')
    proc = run_tool(['tools/analysis_tools/analyze_logs.py',
                     'cal_train_time', str(bad)], check=False)
    assert proc.returncode == 1 and f'{bad}:2' in proc.stderr


def test_analyze_logs_on_a_real_training_log(stage1_run, tmp_path):
    work, _ = stage1_run
    out = tmp_path / 'real.png'
    run_tool(['tools/analysis_tools/analyze_logs.py', 'plot_curve',
              str(work), '--keys', 'loss', 'loss_cls_intra', '--out',
              str(out)])
    assert cv2.imread(str(out)) is not None
    # the metrics mmengine dumped during training are valid JSON (no NaN)
    for path in glob.glob(str(work / '*' / 'vis_data' / 'scalars.json')):
        for line in open(path):
            json.loads(line, parse_constant=lambda c: pytest.fail(
                f'{path}: {c} in {line}'))


def test_print_config_resolves_bases_and_saves(tmp_path):
    saved = tmp_path / 'full.py'
    proc = run_tool(['tools/misc/print_config.py', TOY2, '--save-path',
                     str(saved)])
    assert "type='HVRDetector'" in proc.stdout
    assert 'VideoTripletSampler' in proc.stdout
    assert "default_scope = 'mmhvr'" in saved.read_text()
    missing = run_tool(['tools/misc/print_config.py', 'nope.py'],
                       check=False)
    assert missing.returncode == 1 and 'nope.py' in missing.stderr


def test_publish_model_strips_and_loads_weights_only(stage1_run, tmp_path):
    _, ckpt = stage1_run
    proc = run_tool(['tools/model_converters/publish_model.py', str(ckpt),
                     str(tmp_path / 'hvrnet_toy.pth')])
    (out, ) = glob.glob(str(tmp_path / 'hvrnet_toy-*.pth'))
    assert f'published checkpoint: {out}' in proc.stdout
    sha = hashlib.sha256(open(out, 'rb').read()).hexdigest()
    assert re.fullmatch(rf'hvrnet_toy-{sha[:8]}\.pth', osp.basename(out))
    # a plain torch process (no mmhvr allow-list) loads it weights-only,
    # and not the training checkpoint (what the tool is for)
    load = ('import sys, torch; torch.load(sys.argv[1], map_location="cpu",'
            ' weights_only=True)')
    run_tool(['-c', load, out])
    assert run_tool(['-c', load, str(ckpt)], check=False).returncode != 0
    published = torch.load(out, map_location='cpu', weights_only=True)
    assert set(published) == {'meta', 'state_dict'}
    full = torch.load(ckpt, map_location='cpu', weights_only=False)
    assert 'optimizer' in full and 'message_hub' in full
    assert set(published['state_dict']) == set(full['state_dict'])
    for k, v in full['state_dict'].items():
        assert torch.equal(published['state_dict'][k], v), k
    assert published['meta']['dataset_meta']['classes'] == \
        full['meta']['dataset_meta']['classes']
    assert osp.getsize(out) < osp.getsize(ckpt)


def test_publish_model_refuses_a_broken_file(tmp_path):
    bad = tmp_path / 'bad.pth'
    bad.write_bytes(b'')
    proc = run_tool(['tools/model_converters/publish_model.py', str(bad),
                     str(tmp_path / 'out.pth')], check=False)
    assert proc.returncode == 1 and str(bad) in proc.stderr
    assert not glob.glob(str(tmp_path / 'out*'))


def test_browse_dataset_draws_key_and_supports(toy_data, tmp_path):
    out = tmp_path / 'browse'
    run_tool(['tools/analysis_tools/browse_dataset.py', TOY1, '--not-show',
              '--output-dir', str(out), '--num', '2', '--cfg-options',
              f'train_dataloader.dataset.data_root={toy_data}/'])
    files = sorted(glob.glob(str(out / '*.jpg')))
    assert len(files) == 2
    img = cv2.imread(files[0])
    # key frame + 2 supports side by side: 3 frames of 320 px (Resize)
    assert img.shape[1] == 3 * 320 and img.shape[0] > 256


def test_get_flops_one_frame_and_supports():
    proc = run_tool(['tools/analysis_tools/get_flops.py', TOY1, '--shape',
                     '128', '160', '--num-supports', '0', '2'])
    rows = {m.group(1): m.group(2) for m in re.finditer(
        r'\| (one frame|key frame \+ 2 supports) *\| ([\d.]+[KMGT]?) ',
        proc.stdout)}
    assert set(rows) == {'one frame', 'key frame + 2 supports'}, proc.stdout

    def number(s):
        scale = dict(K=1e3, M=1e6, G=1e9, T=1e12)
        return float(s[:-1]) * scale[s[-1]] if s[-1] in scale else float(s)

    one, three = number(rows['one frame']), number(
        rows['key frame + 2 supports'])
    assert 2.0 * one < three < 4.0 * one  # three frames' backbones
    # the relations' attention is counted (mmengine has no handle for it)
    assert 'scaled_dot_product_attention' not in proc.stdout


def test_visualizer_resolves_from_the_mmhvr_scope_alone():
    """A fresh process, no register_all_modules: default_scope='mmhvr' finds
    the config's visualizer and visualization hook (mmdet's tools do
    this)."""
    code = (
        'from mmengine.config import Config\n'
        'from mmengine.registry import HOOKS, VISUALIZERS, '
        'init_default_scope\n'
        f'cfg = Config.fromfile({TOY1!r})\n'
        'init_default_scope(cfg.default_scope)\n'
        'vis = VISUALIZERS.build(dict(type=cfg.visualizer.type, '
        'name="v"))\n'
        'hook = HOOKS.build(cfg.default_hooks.visualization)\n'
        'print(type(vis).__name__, type(hook).__name__)\n')
    proc = run_tool(['-c', code])
    assert proc.stdout.split() == ['VideoLocalVisualizer',
                                   'DetVisualizationHook']


def test_draw_frames_grid_gt_and_score_threshold():
    from mmhvr.visualization import VideoLocalVisualizer
    vis = VideoLocalVisualizer(name='test_draw_frames')
    vis.dataset_meta = dict(classes=('a', 'b'))
    img = np.full((40, 50, 3), 128, np.uint8)
    gt = dict(bboxes=np.array([[5, 5, 30, 30]]), labels=np.array([1]))
    low = dict(bboxes=np.array([[10, 10, 20, 20]]), labels=np.array([0]),
               scores=np.array([0.1]))
    grid = vis.draw_frames([img, img], gt_instances=[gt, None],
                           pred_instances=[None, low], titles=['x', 'y'],
                           scale=2.0, pred_score_thr=0.5)
    bar = max(18, 80 // 14)
    assert grid.shape == (80 + bar, 200, 3)
    left, right = grid[bar:, :100], grid[bar:, 100:]
    edge = left[10:60, 10].astype(int)  # the gt box's left edge, x = 10
    green = (edge[:, 1] > 200) & (edge[:, 0] < 60) & (edge[:, 2] < 60)
    assert green.sum() > 30  # drawn in green (blended with alpha)
    assert (right == 128).all()  # the only prediction is below the thr
    with pytest.raises(ValueError, match='titles has 1 entries'):
        vis.draw_frames([img, img], titles=['x'])


def test_metrics_without_ground_truth_are_null_in_json():
    """A class or speed group without ground truth is NaN inside the
    metric and None (JSON null) in what it returns to mmengine, which dumps
    it as JSON (NaN there is not JSON)."""
    from mmdet.structures import DetDataSample
    from mmengine.structures import InstanceData

    from mmhvr.registry import METRICS
    metric = METRICS.build(dict(type='VIDMetric', confusion=True))
    metric.dataset_meta = dict(classes=('a', 'b'))
    box = [0., 0., 30., 30.]
    s = DetDataSample(metainfo=dict(
        img_id=1, video_id=1, frame_id=0,
        instances=[dict(bbox=box, bbox_label=0, instance_id=1,
                        ignore_flag=0)]))
    s.pred_instances = InstanceData(bboxes=torch.tensor([box]),
                                    scores=torch.tensor([0.9]),
                                    labels=torch.tensor([0]))
    metric.process({}, [s])
    out = metric.evaluate(size=1)
    assert out['vid/mAP'] == 1.0
    assert out['vid/mAP_medium'] is None  # no medium-speed ground truth
    assert out['vid/AP_b'] is None  # class b has no ground truth
    json.loads(json.dumps(out, allow_nan=False))
