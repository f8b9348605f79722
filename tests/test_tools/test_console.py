"""``--quiet``: the console gets bars and metrics, the log file everything."""
import contextlib
import io
import logging

from mmhvr.utils.console import (FROZEN_PARAM_NOTE, ConsoleProgressHook,
                                  LossProgressBar, _StdoutToLog,
                                  quiet_console)


def test_quiet_console_keeps_the_file_log_complete(tmp_path):
    logger = logging.getLogger('mmhvr-test-quiet-console')
    logger.setLevel(logging.INFO)
    console, log_file = io.StringIO(), tmp_path / 'run.log'
    logger.addHandler(logging.StreamHandler(console))
    logger.addHandler(logging.FileHandler(log_file))
    try:
        notes = quiet_console(logger)
        logger.info('Config:\nmodel = dict(...)')
        logger.warning(f'backbone.conv1.weight {FROZEN_PARAM_NOTE}')
        logger.warning(f'backbone.bn1.weight {FROZEN_PARAM_NOTE}')
        logger.warning('a real warning')
        logger.warning('"FileClient" will be deprecated in future. Use io')
        with contextlib.redirect_stdout(_StdoutToLog(logger)):
            print('loading annotations into memory...')
    finally:
        for h in list(logger.handlers):
            h.close()
            logger.removeHandler(h)
    shown = console.getvalue()
    assert 'Config:' not in shown and FROZEN_PARAM_NOTE not in shown
    assert 'a real warning' in shown
    assert 'FileClient' not in shown and 'loading' not in shown
    assert notes.count == 2
    kept = log_file.read_text()
    assert 'Config:' in kept and kept.count(FROZEN_PARAM_NOTE) == 2
    assert 'FileClient' in kept
    assert 'loading annotations into memory...' in kept


def test_progress_bar_line_has_iteration_loss_and_eta():
    out = io.StringIO()
    bar = LossProgressBar(4, 'train', min_interval=0, file=out)
    for _ in range(4):
        bar.update(suffix='loss 0.500')
    text = out.getvalue()
    assert text.count('\n') == 1  # one line, redrawn with \r
    last = text.strip().split('\r')[-1]
    assert last.startswith('train [') and '4/4' in last
    assert 'loss 0.500' in last and 'ETA 0:00' in last


class _Runner:
    max_iters, iter, log_dir, timestamp = 3, 0, '/w/20260101', '20260101'


def test_hook_draws_one_bar_and_prints_metrics():
    import torch
    out = io.StringIO()
    hook = ConsoleProgressHook('train', file=out)
    runner = _Runner()
    hook.before_run(runner)
    hook.before_train(runner)
    hook._bar.min_interval = 0
    for i in range(3):
        hook.after_train_iter(runner, i, outputs=dict(
            loss=torch.tensor(1.0 / (i + 1)), loss_relation=0.25))
    hook.after_val_epoch(runner, metrics={'vid/mAP': 0.5,
                                          'vid/mAP_slow': None})
    lines = out.getvalue().split('\n')
    assert lines[0] == 'train: full log in /w/20260101/20260101.log'
    bar = lines[1].split('\r')[-1]
    assert '3/3' in bar and 'loss 0.333' in bar and 'loss_relation 0.250' \
        in bar
    assert lines[2] == '  val: vid/mAP 0.5000, vid/mAP_slow n/a'
