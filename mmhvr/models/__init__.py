from .detectors import *  # noqa: F401,F403
from .losses import *  # noqa: F401,F403
from .relations import *  # noqa: F401,F403
from .roi_heads import *  # noqa: F401,F403
from .task_modules import *  # noqa: F401,F403
from .utils import *  # noqa: F401,F403
from .video import *  # noqa: F401,F403
