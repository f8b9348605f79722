"""Feature warping by optical flow, as MMTracking ``dev-1.x`` computes it."""
import torch
import torch.nn.functional as F
from torch import Tensor


def flow_warp_feats(feats: Tensor, flow: Tensor) -> Tensor:
    """Warp feature maps by flows (MMTracking's ``flow_warp_feats``).

    The flow is resized bilinearly to the feature size and scaled by the
    size ratio; sampling position ``(j + fx, i + fy)`` is normalised as
    ``g / W * 2 - 1`` (by W and H, not W - 1 and H - 1) and sampled with
    ``align_corners=True``, border padding. That pair shifts samples
    towards the top-left by up to one cell even for a zero flow;
    MMTracking's checkpoints were trained with it, so it is kept.

    Args:
        feats (Tensor): (N, C, h, w) maps to warp.
        flow (Tensor): (N, 2, H, W) (x, y) displacements in pixels of the
            flow's own resolution.

    Returns:
        Tensor: (N, C, h, w) warped maps.
    """
    if feats.dim() != 4 or flow.dim() != 4 or flow.shape[1] != 2 \
            or flow.shape[0] != feats.shape[0]:
        raise ValueError(f'flow_warp_feats needs feats (N, C, h, w) and flow '
                         f'(N, 2, H, W), got {tuple(feats.shape)} and '
                         f'{tuple(flow.shape)}')
    h, w = feats.shape[-2:]
    sx, sy = float(w) / flow.shape[-1], float(h) / flow.shape[-2]
    flow = F.interpolate(flow, size=(h, w), mode='bilinear',
                         align_corners=False)
    ys, xs = torch.meshgrid(
        torch.arange(h).to(flow), torch.arange(w).to(flow), indexing='ij')
    gx = (xs + flow[:, 0] * sx) / w * 2 - 1
    gy = (ys + flow[:, 1] * sy) / h * 2 - 1
    grid = torch.stack((gx, gy), dim=-1)  # (N, h, w, 2)
    return F.grid_sample(feats, grid, mode='bilinear', padding_mode='border',
                         align_corners=True)
