import os
import sys

import pandas as pd

with open(os.path.join(sys.argv[1], "version.txt"), "w") as handle:
    handle.write(f"{pd.__version__} {sys.version_info.major}.{sys.version_info.minor}\n")
