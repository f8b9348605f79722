from .formatting import PackVideoInputs
from .frame_sampling import VideoKeySupportSample, VideoTestSupportSample
from .video_transforms import VideoMinIoURandomCrop

__all__ = [
    'PackVideoInputs', 'VideoKeySupportSample', 'VideoTestSupportSample',
    'VideoMinIoURandomCrop'
]
