"""`python -m annexa_check` runs the command line."""

from annexa_check.cli import main

main()
