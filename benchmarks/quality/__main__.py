"""`python -m benchmarks.quality`: every quality figure (see `benchmarks.quality.run`)."""

import sys

from benchmarks.quality.run import main

sys.exit(main())
