"""mmhvr registries: children of mmdet's, under the ``mmhvr`` scope.

A config with ``default_scope = 'mmhvr'`` finds mmhvr's modules first and
falls back to mmdet's and mmengine's.
"""
from mmdet.registry import DATA_SAMPLERS as MMDET_DATA_SAMPLERS
from mmdet.registry import DATASETS as MMDET_DATASETS
from mmdet.registry import HOOKS as MMDET_HOOKS
from mmdet.registry import LOOPS as MMDET_LOOPS
from mmdet.registry import METRICS as MMDET_METRICS
from mmdet.registry import MODELS as MMDET_MODELS
from mmdet.registry import \
    OPTIM_WRAPPER_CONSTRUCTORS as MMDET_OPTIM_WRAPPER_CONSTRUCTORS
from mmdet.registry import OPTIM_WRAPPERS as MMDET_OPTIM_WRAPPERS
from mmdet.registry import TASK_UTILS as MMDET_TASK_UTILS
from mmdet.registry import TRANSFORMS as MMDET_TRANSFORMS
from mmdet.registry import VISUALIZERS as MMDET_VISUALIZERS
from mmdet.registry import EVALUATOR as MMDET_EVALUATOR
from mmdet.registry import LOG_PROCESSORS as MMDET_LOG_PROCESSORS
from mmdet.registry import MODEL_WRAPPERS as MMDET_MODEL_WRAPPERS
from mmdet.registry import OPTIMIZERS as MMDET_OPTIMIZERS
from mmdet.registry import PARAM_SCHEDULERS as MMDET_PARAM_SCHEDULERS
from mmdet.registry import RUNNERS as MMDET_RUNNERS
from mmdet.registry import VISBACKENDS as MMDET_VISBACKENDS
from mmdet.registry import WEIGHT_INITIALIZERS as MMDET_WEIGHT_INITIALIZERS
from mmengine.registry import Registry

MODELS = Registry(
    'model', parent=MMDET_MODELS, scope='mmhvr', locations=['mmhvr.models'])
TASK_UTILS = Registry(
    'task util',
    parent=MMDET_TASK_UTILS,
    scope='mmhvr',
    locations=['mmhvr.models'])
DATASETS = Registry(
    'dataset',
    parent=MMDET_DATASETS,
    scope='mmhvr',
    locations=['mmhvr.datasets'])
DATA_SAMPLERS = Registry(
    'data sampler',
    parent=MMDET_DATA_SAMPLERS,
    scope='mmhvr',
    locations=['mmhvr.datasets.samplers'])
TRANSFORMS = Registry(
    'transform',
    parent=MMDET_TRANSFORMS,
    scope='mmhvr',
    locations=['mmhvr.datasets.transforms'])
METRICS = Registry(
    'metric',
    parent=MMDET_METRICS,
    scope='mmhvr',
    locations=['mmhvr.evaluation'])
HOOKS = Registry(
    'hook', parent=MMDET_HOOKS, scope='mmhvr', locations=['mmhvr.engine'])
LOOPS = Registry(
    'loop', parent=MMDET_LOOPS, scope='mmhvr', locations=['mmhvr.engine'])
OPTIM_WRAPPER_CONSTRUCTORS = Registry(
    'optimizer constructor',
    parent=MMDET_OPTIM_WRAPPER_CONSTRUCTORS,
    scope='mmhvr',
    locations=['mmhvr.engine'])
OPTIM_WRAPPERS = Registry(
    'optim_wrapper',
    parent=MMDET_OPTIM_WRAPPERS,
    scope='mmhvr',
    locations=['mmhvr.engine'])
VISUALIZERS = Registry(
    'visualizer',
    parent=MMDET_VISUALIZERS,
    scope='mmhvr',
    locations=['mmhvr.visualization'])

# Children with nothing of mmhvr's in them yet: they let configs with
# ``default_scope='mmhvr'`` find mmdet's and mmengine's entries without
# falling back with a warning.
RUNNERS = Registry('runner', parent=MMDET_RUNNERS, scope='mmhvr')
OPTIMIZERS = Registry('optimizer', parent=MMDET_OPTIMIZERS, scope='mmhvr')
PARAM_SCHEDULERS = Registry(
    'parameter scheduler', parent=MMDET_PARAM_SCHEDULERS, scope='mmhvr')
EVALUATOR = Registry('evaluator', parent=MMDET_EVALUATOR, scope='mmhvr')
MODEL_WRAPPERS = Registry(
    'model_wrapper', parent=MMDET_MODEL_WRAPPERS, scope='mmhvr')
WEIGHT_INITIALIZERS = Registry(
    'weight initializer', parent=MMDET_WEIGHT_INITIALIZERS, scope='mmhvr')
VISBACKENDS = Registry('vis_backend', parent=MMDET_VISBACKENDS, scope='mmhvr')
LOG_PROCESSORS = Registry(
    'log_processor', parent=MMDET_LOG_PROCESSORS, scope='mmhvr')
