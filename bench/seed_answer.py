"""The seed's way of taking a person's answer (input(), as in "Press Enter when complete..."), writing shared/answers.json.
Each line typed answers the question named on the command line. Usage: python3 seed_answer.py WORKSPACE QUESTION_ID"""
import json
import os
import sys
from pathlib import Path

workspace = Path(sys.argv[1])
question_id = sys.argv[2]
answers = workspace / "shared" / "answers.json"
print("Answer: ", end="", flush=True)
for line in sys.stdin:
    temporary = answers.with_suffix(".tmp")
    temporary.write_text(json.dumps({"answers": [{"id": question_id, "answer": line.strip()}]}))
    os.replace(temporary, answers)
    print("Answer: ", end="", flush=True)
