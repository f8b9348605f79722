from .utils.compat import check_versions
from .utils import register_all_modules
from .version import __version__

check_versions()

__all__ = ['__version__', 'register_all_modules']
