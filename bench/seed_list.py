"""Listing workspaces the seed's way: each workspace folder's manifest task and status.txt, newest first.
Usage: python3 seed_list.py WORKSPACES_DIR"""
import json
import sys
from pathlib import Path

rows = []
for workspace in Path(sys.argv[1]).iterdir():
    try:
        task = json.loads((workspace / "input" / "manifest.json").read_text())["task"]
        status = (workspace / "shared" / "status.txt").read_text().strip()
    except (OSError, ValueError, KeyError):
        continue
    rows.append((workspace.stat().st_mtime, workspace.name, task, status))
for _, name, task, status in sorted(rows, reverse=True):
    print(f"{name}  {task}  {status}")
