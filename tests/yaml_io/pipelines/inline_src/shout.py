import sys
from pathlib import Path

text = Path(sys.argv[1], "text.txt").read_text()
Path(sys.argv[3], "text.txt").write_text(text.upper() + sys.argv[2] + "\n")
