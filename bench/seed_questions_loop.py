"""The seed's watch_partial_results loop (file-based-ipc-pattern.md) applied to shared/questions.json: on a new mtime it
loads the JSON and shows the questions not shown yet. It sleeps 100 ms, as the seed's progress loop does (the seed's own
partial loop sleeps 2 s). Usage: python3 seed_questions_loop.py WORKSPACE"""
import json
import sys
import time
from pathlib import Path

workspace = Path(sys.argv[1])
questions_file = workspace / "shared" / "questions.json"
shown = set()
last_modified = 0
while not (workspace / ".done").exists():
    if questions_file.exists():
        current_modified = questions_file.stat().st_mtime
        if current_modified > last_modified:
            with open(questions_file) as f:
                data = json.load(f)
            for question in data.get("questions", []):
                if question["id"] not in shown:
                    shown.add(question["id"])
                    print(f"  [{question['id']}] {question['text']}", flush=True)
            last_modified = current_modified
    time.sleep(0.1)
