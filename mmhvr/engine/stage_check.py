"""Stage-2 wiring, checked in one place before training starts.

``configs/_base_/hvr_stage2.py`` sets the wiring once; this is what it
must come to, whatever a config changes on top of it.
"""
from typing import List, Optional, Sequence

STAGE2_HELP = ('configs/_base_/hvr_stage2.py sets it: list it among the '
               "config's bases, see "
               'configs/hvrnet/hvrnet_faster-rcnn_r18-dc5_stage2_toyvid.py')


def _type_name(cfg) -> str:
    t = cfg.get('type', '') if isinstance(cfg, dict) else type(cfg).__name__
    t = t if isinstance(t, str) else getattr(t, '__name__', str(t))
    return t.split('.')[-1]


def stage2_problems(frozen_modules: Sequence[str],
                    batch_sampler: Optional[dict],
                    batch_size: Optional[int] = None) -> List[str]:
    """What is wrong with a stage-2 training setup (empty: nothing).

    Stage 2 (docs/design.md §1.5) fine-tunes stage-1 weights, the RPN frozen
    (``model.frozen_modules`` holds ``rpn_head``) and trains on video
    triplets (``train_dataloader.batch_sampler`` is a
    ``VideoTripletSampler`` whose groups hold a positive, ``num_same >=
    2``, and a negative, ``num_other_classes >= 1``, and the batch size is
    the group size).
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
    return problems


def check_stage2_config(cfg) -> None:
    """Raise ``ValueError`` listing every wiring problem of a stage-2
    training config (nothing for stage 1 or a config without training);
    its ``custom_hooks`` must also start the stage (``HVRStageHook``,
    which ``tools/train.py`` adds, or the deprecated
    ``FinalHeadFromIntraHook``)."""
    model = cfg.get('model') or {}
    if int(model.get('stage', 1)) != 2 or not cfg.get('train_dataloader'):
        return
    loader = cfg.train_dataloader
    problems = stage2_problems(
        model.get('frozen_modules') or (), loader.get('batch_sampler'),
        loader.get('batch_size'))
    hooks = {_type_name(h) for h in cfg.get('custom_hooks') or ()}
    if not hooks & {'HVRStageHook', 'FinalHeadFromIntraHook'}:
        problems.append('custom_hooks must hold HVRStageHook (it checks '
                        'stage 2 and starts head B as a copy of head A)')
    if problems:
        raise ValueError(
            f'{cfg.filename or "the config"}: stage-2 wiring:\n  ' +
            '\n  '.join(problems) + f'\n({STAGE2_HELP})')
