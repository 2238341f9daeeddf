# `python -m host_tools` runs the `saxaul` command.
import sys

from host_tools.cli import main

sys.exit(main())
