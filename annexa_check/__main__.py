"""`python -m annexa_check` runs the command line."""

from annexa_check.cli.main import main

main()
