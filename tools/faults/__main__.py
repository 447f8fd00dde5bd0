"""``python -m faults --trials 100 [--seed N] [--output FILE]`` (``make faults``)."""

import sys

from faults.campaign import main

sys.exit(main())
