"""`python -m bench ...` is `iprx bench ...`."""

import sys

from iprx.cli import main

sys.exit(main(["bench", *sys.argv[1:]]))
