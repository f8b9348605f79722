from .flow_warp import flow_warp_feats
from .flownet_simple import FlowNetSimple

__all__ = ['FlowNetSimple', 'flow_warp_feats']
