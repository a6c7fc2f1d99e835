"""The command line: `python -m loaders …` (the documented entry point, see loaders/__main__.py).

cli.main builds the parser from the command groups listed in COMMAND_GROUPS (one module each: cli.ledger for
check/export, cli.store for import/summary/snapshots/restore) and applies one error policy to all of them.
A new group is a module with `add_subcommands(subparsers)` added to that list.
"""
