"""FlowNetSimple (Dosovitskiy et al., ICCV 2015) as FGFA and DFF use it."""
from typing import List, Sequence, Tuple

import torch
import torch.nn.functional as F
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor

from mmhvr.registry import MODELS

# encoder groups conv1..conv6: (in, out, kernel of the first conv, convs);
# the first conv of a group has stride 2, the others are 3x3 stride 1
ENCODER = ((6, 64, 7, 1), (64, 128, 5, 1), (128, 256, 5, 2),
           (256, 512, 3, 2), (512, 512, 3, 2), (512, 1024, 3, 2))
# decoder levels l = 6..3: input channels of predict_flow{l}/deconv{l-1}
# and the output channels of deconv{l-1}
DECODER = ((6, 1024, 512), (5, 1026, 256), (4, 770, 128), (3, 386, 64))


def _leaky() -> dict:
    return dict(type='LeakyReLU', negative_slope=0.1)


@MODELS.register_module()
class FlowNetSimple(BaseModule):
    """Optical flow of image pairs, MMTracking ``dev-1.x``'s FlowNetSimple
    (module names and weight layout are its own, so its checkpoints load
    under ``motion.``; ``docs/mmtrack_methods.md`` §5).

    Args:
        img_scale_factor (float): the pair is resized by this before the
            encoder (0.5 in the FGFA/DFF configs).
        flow_scale_factor (float): the predicted flow is multiplied by it.
        flow_img_norm_mean (list[float]): subtracted from the 0-1 RGB
            image (per channel).
        flow_img_norm_std (list[float]): the 0-255 image is divided by it.
        init_cfg (dict, optional): e.g. MMTracking's pretrained FlowNet.
    """

    def __init__(self,
                 img_scale_factor: float,
                 flow_scale_factor: float,
                 flow_img_norm_mean: Sequence[float],
                 flow_img_norm_std: Sequence[float],
                 init_cfg=None) -> None:
        super().__init__(init_cfg)
        self.img_scale_factor = float(img_scale_factor)
        self.flow_scale_factor = float(flow_scale_factor)
        if len(flow_img_norm_mean) != 3 or len(flow_img_norm_std) != 3:
            raise ValueError('FlowNetSimple: flow_img_norm_mean/std need 3 '
                             f'values, got {list(flow_img_norm_mean)}, '
                             f'{list(flow_img_norm_std)}')
        self.flow_img_norm_mean = [float(v) for v in flow_img_norm_mean]
        self.flow_img_norm_std = [float(v) for v in flow_img_norm_std]
        for g, (cin, cout, k, n) in enumerate(ENCODER, 1):
            convs = torch.nn.ModuleList()
            for j in range(n):
                kernel = k if j == 0 else 3
                convs.append(
                    ConvModule(cin if j == 0 else cout, cout, kernel,
                               stride=2 if j == 0 else 1,
                               padding=(kernel - 1) // 2, bias=True,
                               act_cfg=_leaky()))
            self.add_module(f'conv{g}', convs)
        for level, cin, cout in DECODER:
            self.add_module(
                f'predict_flow{level}',
                ConvModule(cin, 2, 3, padding=1, bias=False, act_cfg=None))
            self.add_module(
                f'deconv{level - 1}',
                ConvModule(cin, cout, 4, stride=2, padding=1, bias=False,
                           conv_cfg=dict(type='deconv'), act_cfg=_leaky()))
            self.add_module(
                f'upsample_flow{level - 1}',
                ConvModule(2, 2, 4, stride=2, padding=1, bias=False,
                           conv_cfg=dict(type='deconv'), act_cfg=None))
        # conv2 (128) + deconv2 (64) + the upsampled flow (2)
        self.predict_flow = ConvModule(194, 2, 3, padding=1, bias=False,
                                       act_cfg=None)

    def prepare_imgs(self, imgs: Tensor, img_shape: Tuple[int, int],
                     img_mean: Tensor, img_std: Tensor) -> Tensor:
        """The network input of image pairs.

        Args:
            imgs (Tensor): (N, 6, H, W) pairs, each normalised RGB
                ``(img - img_mean) / img_std`` and zero-padded.
            img_shape (tuple[int]): (h, w) of the unpadded image; pixels
                outside it are zeroed.
            img_mean, img_std (Tensor): the detector's normalisation (3,).

        Returns:
            Tensor: (N, 6, H', W'), H' = floor(H * img_scale_factor).
        """
        mean = img_mean.reshape(-1).to(imgs).repeat(2)[None, :, None, None]
        std = img_std.reshape(-1).to(imgs).repeat(2)[None, :, None, None]
        fmean = imgs.new_tensor(self.flow_img_norm_mean).repeat(2)
        fstd = imgs.new_tensor(self.flow_img_norm_std).repeat(2)
        x = (imgs * std + mean) / fstd[None, :, None, None] - \
            fmean[None, :, None, None]
        h, w = int(img_shape[0]), int(img_shape[1])
        x[:, :, h:, :] = 0.0
        x[:, :, :, w:] = 0.0
        return F.interpolate(x, scale_factor=self.img_scale_factor,
                             mode='bilinear', align_corners=False)

    def forward(self, imgs: Tensor, img_shape: Tuple[int, int],
                img_mean: Tensor, img_std: Tensor) -> Tensor:
        """Flow of each pair (first image to second) in pixels of the input.

        Args:
            imgs (Tensor): (N, 6, H, W), see :meth:`prepare_imgs`.

        Returns:
            Tensor: (N, 2, H2, W2) (x, y) displacements, at 8x the
            resolution of conv2 (H2 = H for H divisible by 16).
        """
        x = self.prepare_imgs(imgs, img_shape, img_mean, img_std)
        feats: List[Tensor] = []
        for g in range(1, len(ENCODER) + 1):
            for conv in getattr(self, f'conv{g}'):
                x = conv(x)
            feats.append(x)  # conv1 .. conv6
        concat = feats[-1]
        for level, _, _ in DECODER:
            target = feats[level - 2]  # conv{level-1}
            flow = getattr(self, f'predict_flow{level}')(concat)
            up = _crop_like(getattr(self, f'upsample_flow{level - 1}')(flow),
                            target)
            de = _crop_like(getattr(self, f'deconv{level - 1}')(concat),
                            target)
            concat = torch.cat((target, de, up), dim=1)
        flow = self.predict_flow(concat)
        up = 4 / self.img_scale_factor  # conv2 is at 1/4 of the input
        flow = F.interpolate(flow, scale_factor=up, mode='bilinear',
                             align_corners=False)
        return flow * up * self.flow_scale_factor


def _crop_like(x: Tensor, target: Tensor) -> Tensor:
    """``x`` cropped (top-left) to the spatial size of ``target``."""
    return x[:, :, :target.shape[2], :target.shape[3]]
