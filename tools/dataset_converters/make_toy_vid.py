"""Generate the built-in toy VID set: ``make_toy_vid.py --out DIR``."""
from mmhvr.datasets.toy_vid import main

if __name__ == '__main__':
    main()
