"""Run a ResNet in two parts: its frozen early stages, then the rest."""
from torch import Tensor, nn


def frozen_stage_count(backbone: nn.Module) -> int:
    """How many residual stages of ``backbone`` are frozen (0 when it is not
    an mmdet ``ResNet`` whose frozen part can be run separately)."""
    frozen = getattr(backbone, 'frozen_stages', -1)
    stages = getattr(backbone, 'res_layers', None)
    if stages is None or frozen < 1 or frozen >= len(stages) or \
            tuple(backbone.out_indices) != (len(stages) - 1, ):
        return 0
    return frozen


def resnet_trunk(backbone: nn.Module, x: Tensor, num_stages: int) -> Tensor:
    """Stem + the first ``num_stages`` residual stages: (F, 3, H, W) → map."""
    if backbone.deep_stem:
        x = backbone.stem(x)
    else:
        x = backbone.relu(backbone.norm1(backbone.conv1(x)))
    x = backbone.maxpool(x)
    for name in backbone.res_layers[:num_stages]:
        x = getattr(backbone, name)(x)
    return x


def resnet_head(backbone: nn.Module, x: Tensor, num_stages: int) -> Tensor:
    """The residual stages after the first ``num_stages``: trunk map → the
    last stage's map (the backbone's only output)."""
    for name in backbone.res_layers[num_stages:]:
        x = getattr(backbone, name)(x)
    return x
