"""`python -m loaders …`: the documented command. The command line itself lives in the top-level package cli/
(it uses metrics, which loaders must not import); nothing in loaders imports this launcher."""
import sys

from cli.main import main

if __name__ == "__main__":
    sys.exit(main())
