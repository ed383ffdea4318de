"""The seed's status polling loop (file-based-ipc-pattern.md, wait_for_completion): checks the signal files once a second.
On .done it archives the result as the seed's cleanup does (a copy into results/) and prints the time, for the bench.
Usage: python3 seed_status_loop.py WORKSPACE RESULTS_DIR [RESULT_PATH]"""
import shutil
import sys
import time
from pathlib import Path

workspace = Path(sys.argv[1])
results_dir = Path(sys.argv[2])
result_path = sys.argv[3] if len(sys.argv) > 3 else "output/result.json"


def wait_for_completion(timeout=86400):
    start_time = time.time()
    while time.time() - start_time < timeout:
        if (workspace / ".done").exists():
            return "complete"
        elif (workspace / ".error").exists():
            return "failed"
        elif not (workspace / ".lock").exists():
            pass  # "not_started": the bench's loop keeps waiting, as a producer would
        time.sleep(1)  # Poll every second
    return "timeout"


status = wait_for_completion()
if status == "complete":
    results_dir.mkdir(exist_ok=True)
    shutil.copy(workspace / result_path, results_dir / "result.json")
print(f"{status} {time.time() * 1000:.3f}", flush=True)
