import sys
from pathlib import Path

# Tests import the project's packages from the checkout, wherever pytest is started.
ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
