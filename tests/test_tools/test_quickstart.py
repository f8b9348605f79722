"""The README's first command, shortened (``--fast``): every step runs, the
console stays readable, and the table, figure and clip are written."""
import glob
import json
import os
import subprocess
import sys

import cv2
import numpy as np

from tests_helpers import REPO


def test_quickstart_fast_runs_every_step(tmp_path):
    out, data = tmp_path / 'qs', tmp_path / 'toy'
    env = dict(os.environ, MMHVR_QUICKSTART_DIR=str(out),
               MMHVR_TOY_DATA=str(data))
    # bytes: text=True would turn the bars' \r into line breaks
    proc = subprocess.run(['bash', 'tools/quickstart.sh', '--fast'],
                          cwd=REPO, env=env, capture_output=True,
                          timeout=1500)
    proc.stdout = proc.stdout.decode()
    console = proc.stdout + proc.stderr.decode()
    assert proc.returncode == 0, console[-5000:]
    # readable: at most ~150 lines apart from progress bars (redrawn with
    # \r), none of mmengine's dumps, no line longer than a wide terminal
    lines = console.split('\n')  # not splitlines(): it splits at \r
    text_lines = [ln for ln in lines if '\r' not in ln]
    assert len(text_lines) <= 150, console
    for dump in ('Config:', 'System environment', 'Hooks will be executed',
                 'requires_grad=False'):
        assert dump not in console, dump
    # (paths of this test's tmp dir counted as 20 characters)
    widths = [len(ln.split('\r')[-1].replace(str(tmp_path), 'x' * 20))
              for ln in lines]
    assert max(widths) <= 160, lines[widths.index(max(widths))]
    # ... because the full logs went to the work dirs
    for stage in ('stage1', 'stage2'):
        (log, ) = glob.glob(str(out / stage / '*' / '*.log'))
        full = open(log).read()
        assert 'Config:' in full and 'System environment' in full
    # a progress bar per training stage, with loss and ETA
    bars = [ln.split('\r')[-1] for ln in lines if '\rtrain [' in ln]
    assert len(bars) == 2 and all('loss' in b and 'ETA' in b for b in bars)
    # the closing table: both stages, per class, mAP, wall times
    assert 'stage 1 vs stage 2' in proc.stdout
    for name in ('disc', 'square', 'triangle', 'striped_cat', 'spotted_cat',
                 'mAP', 'stage 1 training', 'stage 2 training',
                 'evaluation', 'total'):
        assert name in proc.stdout, name
    # metrics JSON without NaN
    for stage in ('stage1', 'stage2'):
        (metrics, ) = glob.glob(str(out / f'test_{stage}' / '*' / '*.json'))
        values = json.loads(open(metrics).read(), parse_constant=lambda c:
                            (_ for _ in ()).throw(ValueError(c)))
        assert 0.0 <= values['vid/mAP'] <= 1.0
    # the logged mAPs equal the report's recomputation from the dumped
    # predictions and the annotation file (it prints a note otherwise)
    assert 'mAP recomputed from the predictions' not in proc.stdout
    # the same figures as JSON (docs/results/ stores the real run's)
    summary = json.loads((out / 'quickstart_summary.json').read_text(),
                         parse_constant=lambda c:
                         (_ for _ in ()).throw(ValueError(c)))
    for stage in ('stage1', 'stage2'):
        (metrics, ) = glob.glob(str(out / f'test_{stage}' / '*' / '*.json'))
        logged = json.load(open(metrics))['vid/mAP']
        assert abs(summary[stage]['mAP'] - logged) < 1e-4
        assert set(summary[stage]['AP']) == {
            'disc', 'square', 'triangle', 'striped_cat', 'spotted_cat'}
    assert set(summary['seconds']) >= {'stage 1 training',
                                       'stage 2 training', 'evaluation'}
    # the figure and the side-by-side clip
    fig = cv2.imread(str(out / 'quickstart_report.png'))
    assert fig is not None and fig.shape[1] > fig.shape[0] > 200
    clip = cv2.VideoCapture(str(out / 'demo_side_by_side.mp4'))
    assert int(clip.get(cv2.CAP_PROP_FRAME_COUNT)) == 12  # one val video
    assert clip.get(cv2.CAP_PROP_FPS) <= 5  # slowed down
    ok, frame = clip.read()
    assert ok and frame.shape[1] >= 2 * 3 * 160  # 2 stages, upscaled 3x+


def _report_args(tmp_path, **paths):
    """quickstart_report.py arguments over existing (empty) inputs, with
    ``paths`` replacing some of them."""
    for d in ('s1', 't1', 's2', 't2', 'img'):
        (tmp_path / d).mkdir(exist_ok=True)
    for f in ('cfg.py', 'ann.json', 'd1.pkl', 'd2.pkl'):
        (tmp_path / f).write_text('')
    p = {k: str(tmp_path / v) for k, v in dict(
        config='cfg.py', ann='ann.json', img='img', out='out').items()}
    p.update(paths)
    return ['--config', p['config'], '--ann-file', p['ann'], '--img-root',
            p['img'], '--stage1', str(tmp_path / 's1'), str(tmp_path / 't1'),
            str(tmp_path / 'd1.pkl'), '--stage2', str(tmp_path / 's2'),
            str(tmp_path / 't2'), str(tmp_path / 'd2.pkl'), '--out-dir',
            p['out']]


def test_report_missing_ann_file_is_one_error_line_before_any_work(
        tmp_path):
    missing = str(tmp_path / 'nope.json')
    proc = subprocess.run(
        [sys.executable, 'tools/misc/quickstart_report.py'] +
        _report_args(tmp_path, ann=missing), cwd=REPO, capture_output=True,
        text=True, timeout=120)
    assert proc.returncode == 1
    assert proc.stderr.splitlines() == [
        f'error: --ann-file {missing} does not exist']
    assert proc.stdout == ''
    assert not (tmp_path / 'out').exists()  # nothing was written


def test_report_checks_every_input_and_the_out_dir(tmp_path, capsys):
    report = _load_report()
    for paths, expected in (
            (dict(config=str(tmp_path / 'no.py')), '--config '),
            (dict(img=str(tmp_path / 'ann.json')), '--img-root '),
            (dict(out=str(tmp_path / 'cfg.py')), '--out-dir ')):
        assert report.main(_report_args(tmp_path, **paths)) == 1
        (line, ) = capsys.readouterr().err.splitlines()
        assert line.startswith('error: ' + expected), line


def test_report_ground_truth_is_the_one_loader_with_the_dataset_filter(
        tmp_path):
    report = _load_report()
    coco = dict(
        categories=[dict(id=1, name='a'), dict(id=2, name='b')],
        videos=[dict(id=5, name='v')],
        images=[dict(id=i, file_name=f'v/{i}.jpg', video_id=5, frame_id=i)
                for i in (0, 1)],
        annotations=[
            dict(id=1, image_id=0, category_id=2, bbox=[0, 0, 4, 4],
                 instance_id=3),
            dict(id=2, image_id=0, category_id=1, bbox=[0, 0, 0.5, 4]),
            dict(id=3, image_id=1, category_id=2, bbox=[1, 0, 4, 4],
                 instance_id=3)])
    ann = tmp_path / 'ann.json'
    ann.write_text(json.dumps(coco))
    images = report.load_gt(str(ann), ['b', 'a'])
    # the half-pixel-wide box is dropped (w < 1), labels in the given order
    assert images[0]['labels'].tolist() == [0]
    assert images[1]['file_name'] == 'v/1.jpg'
    # the report's AP sees frames and instances: motion breakdown included
    dets = {i: dict(bboxes=np.array([[i, 0, i + 4, 4.]]),
                    scores=np.array([0.9]), labels=np.array([0]))
            for i in (0, 1)}
    ap = report.stage_ap(dets, images, 2)
    assert ap['AP'][0] == 1.0 and 'mAP_slow' in ap


def _load_report():
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        'quickstart_report',
        os.path.join(REPO, 'tools', 'misc', 'quickstart_report.py'))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
