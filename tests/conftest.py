import sys
from pathlib import Path

# tests share small helpers (tests/envs.py)
sys.path.insert(0, str(Path(__file__).parent))
