"""The test suite, a package: pytest (rootdir import mode ``prepend``) puts the repository root on ``sys.path``, so
tests import shared helpers as ``tests.helpers.*`` and a folder's own helpers as ``tests.<folder>.*``."""
