"""The README's first command, shortened (``--fast``): every step runs, the
console stays readable, and the table, figure and clip are written."""
import glob
import json
import os
import subprocess

import cv2

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
