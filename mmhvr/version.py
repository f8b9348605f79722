__version__ = '0.1.0'

# The OpenMMLab packages mmhvr works with: [minimum, maximum). Tested with
# mmcv 2.1.0, mmengine 0.10.7 and mmdet 3.3.0. requirements/mminstall.txt
# states the same ranges (tests/test_tools/test_packaging.py checks).
MMCV_RANGE = ('2.0.0', '2.2.0')
MMENGINE_RANGE = ('0.10.0', '1.0.0')
MMDET_RANGE = ('3.3.0', '3.4.0')
