"""The command line (python -m loaders …): one module per group of commands, each with register(subparsers)."""
