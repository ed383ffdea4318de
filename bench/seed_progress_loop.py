"""The seed's progress loop (file-based-ipc-pattern.md, show_progress): a tail -f equivalent polling every 100 ms.
Usage: python3 seed_progress_loop.py WORKSPACE"""
import sys
import time
from pathlib import Path

workspace = Path(sys.argv[1])


def show_progress():
    progress_file = workspace / "shared" / "progress.txt"
    if not progress_file.exists():
        return
    with open(progress_file) as f:
        f.seek(0, 2)  # Seek to end
        while True:
            line = f.readline()
            if line:
                print(f"  {line.strip()}", flush=True)
            else:
                time.sleep(0.1)
            if (workspace / ".done").exists():
                break


show_progress()
