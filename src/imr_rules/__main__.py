"""`python -m imr_rules` runs the command line."""

from imr_rules.cli import main

main()
