import sys

from . import cli_data

sys.exit(cli_data(sys.argv[1:]))
