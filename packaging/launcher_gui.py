"""Entry script of the packaged desktop application (PyInstaller needs a script, not an entry point)."""

import sys

from workbench.ui.app import main

if __name__ == "__main__":
    sys.exit(main())
