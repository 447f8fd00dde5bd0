"""``python -m bench [--quick] [--only SECTIONS] [--output FILE]`` (``make bench``)."""

import sys

from bench.run import main

sys.exit(main())
