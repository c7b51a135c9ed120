"""`python -m iprx.bench ...` is `iprx bench ...`."""

import sys

from iprx.cli.main import main

sys.exit(main(["bench", *sys.argv[1:]]))
