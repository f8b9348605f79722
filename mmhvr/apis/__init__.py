from .inference import (FrameSource, VideoInferencer, inference_video,
                        init_detector)

__all__ = ['FrameSource', 'VideoInferencer', 'inference_video',
           'init_detector']
