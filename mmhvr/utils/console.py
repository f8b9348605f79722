"""A readable console for ``tools/train.py``/``tools/test.py --quiet``.

mmengine's runner logs the environment, the whole config, the hook table and
every ``LoggerHook`` line both to its log file and to the console. With
``--quiet`` the log file keeps all of it; the console keeps warnings and
errors, one progress bar per loop (iteration, loss, ETA) and the metrics.
"""
import contextlib
import io
import logging
import sys
import time
from typing import Dict, Optional

from mmengine.hooks import Hook
from mmengine.runner import Runner
from mmengine.utils import ProgressBar

FROZEN_PARAM_NOTE = 'is skipped since its requires_grad=False'
# mmengine's notes about its own API (once per dataset/backend), not about
# the run: kept in the log file, not shown on a quiet console
API_NOTES = ('will be deprecated in future', 'is the alias of')


class _DropFrozenParamNotes(logging.Filter):
    """Counts and hides mmengine's one-line-per-parameter note that a frozen
    parameter is left out of the optimizer (dozens of lines in stage 2), and
    hides mmengine's deprecation notes about its own API."""

    def __init__(self):
        super().__init__()
        self.count = 0

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if FROZEN_PARAM_NOTE in message:
            self.count += 1
            return False
        return not any(note in message for note in API_NOTES)


class _StdoutToLog(io.TextIOBase):
    """A text stream whose lines go to ``logger.info`` (the log file): what
    libraries ``print`` during a quiet run (pycocotools' "loading
    annotations into memory...")."""

    def __init__(self, logger: logging.Logger):
        self.logger = logger
        self._buffer = ''

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self._buffer += text
        while '\n' in self._buffer:
            line, self._buffer = self._buffer.split('\n', 1)
            if line.strip():
                self.logger.info(line)
        return len(text)


def quiet_console(logger: logging.Logger,
                  level: int = logging.WARNING) -> _DropFrozenParamNotes:
    """Raise the level of ``logger``'s console handlers to ``level`` and hide
    the frozen-parameter notes there; file handlers keep everything."""
    notes = _DropFrozenParamNotes()
    for handler in logger.handlers:
        if isinstance(handler, logging.StreamHandler) and not isinstance(
                handler, logging.FileHandler):
            handler.setLevel(level)
            handler.addFilter(notes)
    return notes


class QuietRunner(Runner):
    """mmengine's ``Runner`` whose console shows warnings and errors only
    (from the start: the environment and config dumps of ``__init__`` go to
    the log file alone) plus :class:`ConsoleProgressHook`'s bars; what is
    ``print``-ed to stdout while it trains or tests goes to the log file.
    """

    def build_logger(self, *args, **kwargs):
        logger = super().build_logger(*args, **kwargs)
        self._frozen_notes = quiet_console(logger)
        return logger

    def train(self):
        with contextlib.redirect_stdout(_StdoutToLog(self.logger)):
            return super().train()

    def val(self):
        with contextlib.redirect_stdout(_StdoutToLog(self.logger)):
            return super().val()

    def test(self):
        with contextlib.redirect_stdout(_StdoutToLog(self.logger)):
            return super().test()


class LossProgressBar(ProgressBar):
    """mmengine's ``ProgressBar`` with a title and a free-form suffix (the
    loss), redrawn at most every ``min_interval`` seconds."""

    def __init__(self, task_num: int, title: str = '',
                 min_interval: float = 0.5, file=sys.stdout,
                 start_at: int = 0):
        self.title = title
        self.min_interval = min_interval
        self._last_draw = 0.0
        self._start_at = start_at
        super().__init__(task_num, bar_width=30, start=False, file=file)
        self.start()
        self.completed = start_at

    def start(self):
        from mmengine.utils import Timer
        self.timer = Timer()

    def update(self, num_tasks: int = 1, suffix: str = '') -> None:
        self.completed += num_tasks
        now = time.monotonic()
        if self.completed < self.task_num and \
                now - self._last_draw < self.min_interval:
            return
        self._last_draw = now
        self.file.write('\r' + self.line(suffix))
        if self.completed >= self.task_num:
            self.file.write('\n')
        self.file.flush()

    def line(self, suffix: str = '') -> str:
        """One line: ``title [#####     ] done/total suffix, elapsed, ETA``."""
        elapsed = self.timer.since_start()
        done = self.completed - self._start_at
        total = max(self.task_num, 1)
        frac = min(self.completed / total, 1.0)
        left = self.task_num - self.completed
        eta = elapsed / done * left if done > 0 else 0.0
        mark = int(self.bar_width * frac)
        bar = '#' * mark + ' ' * (self.bar_width - mark)
        parts = [f'{self.title} [{bar}] {self.completed}/{self.task_num}']
        if suffix:
            parts.append(suffix)
        parts.append(f'elapsed {_hms(elapsed)}, ETA {_hms(eta)}')
        return ' '.join(p for p in parts if p)


def _hms(seconds: float) -> str:
    seconds = int(seconds + 0.5)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f'{h}:{m:02d}:{s:02d}' if h else f'{m}:{s:02d}'


def _loss_suffix(outputs: Optional[Dict]) -> str:
    if not outputs:
        return ''
    parts = []
    for key in ('loss', 'loss_relation'):
        value = outputs.get(key)
        if value is not None:
            value = float(value.item() if hasattr(value, 'item') else value)
            parts.append(f'{key} {value:.3f}')
    return ', '.join(parts)


def _fmt_metric(value) -> str:
    if value is None:
        return 'n/a'
    if isinstance(value, float):
        return f'{value:.4f}'
    return str(value)


class ConsoleProgressHook(Hook):
    """One progress bar per training, validation and test loop, the
    metrics of each evaluation in one line, and where the full log is.

    Args:
        title (str): printed before the training bar (e.g. ``stage 1``).
        max_metrics (int): metrics shown per evaluation line; the rest are
            in the log file and the metrics JSON.
        file: the stream written to (stdout).
    """
    priority = 'VERY_LOW'

    def __init__(self, title: str = 'train', max_metrics: int = 5,
                 file=None):
        self.title = title
        self.max_metrics = max_metrics
        self.file = file if file is not None else sys.stdout
        self._bar: Optional[LossProgressBar] = None

    def _print(self, text: str) -> None:
        self.file.write(text + '\n')
        self.file.flush()

    def before_run(self, runner) -> None:
        self._print(f'{self.title}: full log in '
                    f'{runner.log_dir}/{runner.timestamp}.log')

    def before_train(self, runner) -> None:
        notes = getattr(runner, '_frozen_notes', None)
        if notes is not None and notes.count:
            self._print(f'{self.title}: {notes.count} frozen parameters are '
                        'left out of the optimizer (listed in the log)')
        self._bar = LossProgressBar(runner.max_iters, self.title,
                                    file=self.file, start_at=runner.iter)

    def after_train_iter(self, runner, batch_idx, data_batch=None,
                         outputs=None) -> None:
        if self._bar is not None:
            self._bar.update(suffix=_loss_suffix(outputs))

    def _loop_bar(self, runner, mode: str) -> None:
        loader = runner.val_dataloader if mode == 'val' else \
            runner.test_dataloader
        if self._bar is not None and self._bar.completed < \
                self._bar.task_num:
            self.file.write('\n')  # leave the training bar where it is
        self._eval_bar = LossProgressBar(len(loader), f'{mode:>5}',
                                         file=self.file)

    def before_val_epoch(self, runner) -> None:
        self._loop_bar(runner, 'val')

    def before_test_epoch(self, runner) -> None:
        self._loop_bar(runner, 'test')

    def after_val_iter(self, runner, batch_idx, data_batch=None,
                       outputs=None) -> None:
        self._eval_bar.update()

    def after_test_iter(self, runner, batch_idx, data_batch=None,
                        outputs=None) -> None:
        self._eval_bar.update()

    def _metrics_line(self, mode: str, metrics: Optional[Dict]) -> None:
        """The summary metrics (mAP*, ``double_rate``) first, per-class
        ones after, ``max_metrics`` at most."""
        if not metrics:
            return

        def summary(key: str) -> bool:
            name = key.rsplit('/', 1)[-1]
            return name.startswith('mAP') or name == 'double_rate'

        items = sorted(metrics.items(), key=lambda kv: not summary(kv[0]))
        shown = ', '.join(f'{k} {_fmt_metric(v)}'
                          for k, v in items[:self.max_metrics])
        more = len(items) - self.max_metrics
        tail = f' (+{more} more in the log)' if more > 0 else ''
        self._print(f'{mode:>5}: {shown}{tail}')

    def after_val_epoch(self, runner, metrics=None) -> None:
        self._metrics_line('val', metrics)

    def after_test_epoch(self, runner, metrics=None) -> None:
        self._metrics_line('test', metrics)
