"""`python -m codegen [--check]`: regenerate the models, or fail naming the stale files."""

import sys

from codegen.generate import main

sys.exit(main(sys.argv[1:]))
