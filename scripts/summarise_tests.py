"""summarise_tests.py BUILD... — one closing line over meson testlogs
(every meson-logs/testlog*.json: runs with --logbase count too):
'N passed, N failed' (plus skipped), the form CI reads."""
import glob
import json
import os
import sys

passed = failed = skipped = 0
logs = [log for build in sys.argv[1:]
        for log in sorted(glob.glob(os.path.join(build, "meson-logs", "testlog*.json")))]
for log in logs:
    with open(log) as f:
        for line in f:
            result = json.loads(line).get("result")
            if result in ("OK", "EXPECTEDFAIL"):
                passed += 1
            elif result == "SKIP":
                skipped += 1
            else:
                failed += 1
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed or not passed else 0)
