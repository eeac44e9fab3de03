"""`python -m example_returns.generate OUT.xlsx [...]`."""

import sys

from example_returns.generate.cli import main

sys.exit(main())
