"""Stage-2 wiring, checked in one place before training starts."""
from typing import List, Optional, Sequence

STAGE2_HELP = ('see configs/hvrnet/hvrnet_faster-rcnn_r18-dc5_stage2_toyvid.py '
               'for a complete stage-2 config')


def _type_name(cfg) -> str:
    t = cfg.get('type', '') if isinstance(cfg, dict) else type(cfg).__name__
    t = t if isinstance(t, str) else getattr(t, '__name__', str(t))
    return t.split('.')[-1]


def stage2_problems(frozen_modules: Sequence[str],
                    batch_sampler: Optional[dict],
                    hook_types: Sequence[str],
                    batch_size: Optional[int] = None) -> List[str]:
    """What is wrong with a stage-2 training setup (empty: nothing).

    Stage 2 (DESIGN.md) fine-tunes from stage-1 weights with the RPN frozen
    (``model.frozen_modules`` holds ``rpn_head``), trains on video triplets
    (``train_dataloader.batch_sampler`` is a ``VideoTripletSampler`` whose
    groups hold a positive, ``num_same >= 2``, and a negative,
    ``num_other_classes >= 1``), and starts head B as a copy of head A
    (``FinalHeadFromIntraHook`` in ``custom_hooks``).
    """
    problems = []
    if 'rpn_head' not in frozen_modules:
        problems.append("model.frozen_modules must hold 'rpn_head' (stage 2 "
                        f'freezes the RPN), got {list(frozen_modules)}')
    if not batch_sampler or _type_name(batch_sampler) != \
            'VideoTripletSampler':
        problems.append('train_dataloader.batch_sampler must be a '
                        'VideoTripletSampler (stage 2 trains on video '
                        f'triplets), got {batch_sampler}')
    else:
        num_same = batch_sampler.get('num_same', 3)
        others = batch_sampler.get('num_other_classes', 2)
        if num_same < 2:
            problems.append('train_dataloader.batch_sampler.num_same must be'
                            ' >= 2 (the anchor video and a positive), got '
                            f'{num_same}')
        if others < 1:
            problems.append('train_dataloader.batch_sampler.'
                            'num_other_classes must be >= 1 (a negative '
                            f'video), got {others}')
        group = num_same * (1 + others)
        if batch_size is not None and batch_size != group:
            problems.append(f'train_dataloader.batch_size must be {group} '
                            f'(num_same={num_same} x (1 + '
                            f'num_other_classes={others})), got {batch_size}')
    if 'FinalHeadFromIntraHook' not in hook_types:
        problems.append('custom_hooks must hold FinalHeadFromIntraHook '
                        '(head B starts as a copy of the stage-1 head A)')
    return problems


def check_stage2_config(cfg) -> None:
    """Raise ``ValueError`` listing every wiring problem of a stage-2
    training config (nothing for stage 1 or a config without training)."""
    model = cfg.get('model') or {}
    if int(model.get('stage', 1)) != 2 or not cfg.get('train_dataloader'):
        return
    loader = cfg.train_dataloader
    problems = stage2_problems(
        model.get('frozen_modules') or (),
        loader.get('batch_sampler'),
        [_type_name(h) for h in cfg.get('custom_hooks') or ()],
        loader.get('batch_size'))
    if problems:
        raise ValueError(
            f'{cfg.filename or "the config"}: stage-2 wiring:\n  ' +
            '\n  '.join(problems) + f'\n({STAGE2_HELP})')
