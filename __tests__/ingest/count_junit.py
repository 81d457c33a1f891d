"""Independent oracle for the ingest tests: counts testcases by outcome with Python's ElementTree,
and reads the report's own tests/failures/errors/skipped attributes. Prints JSON."""
import json
import sys
import xml.etree.ElementTree as ET

out = {}
for path in sys.argv[1:]:
    root = ET.parse(path).getroot()
    counts = {"passed": 0, "failed": 0, "error": 0, "skipped": 0}
    if root.tag == "test-run":
        for tc in root.iter("test-case"):
            r, label = tc.get("result"), tc.get("label", "")
            if r == "Failed":
                counts["error" if label in ("Error", "Cancelled", "Invalid") else "failed"] += 1
            elif r in ("Skipped", "Inconclusive"):
                counts["skipped"] += 1
            else:
                counts["passed"] += 1
        attrs = {"tests": int(root.get("total")), "failures": int(root.get("failed")), "skipped": int(root.get("skipped")) + int(root.get("inconclusive", 0))}
    else:
        for tc in root.iter("testcase"):
            tags = [c.tag for c in tc]
            if "failure" in tags:
                counts["failed"] += 1
            elif "error" in tags:
                counts["error"] += 1
            elif "skipped" in tags:
                counts["skipped"] += 1
            else:
                counts["passed"] += 1
        holders = [root] if root.get("tests") is not None else [s for s in root if s.tag == "testsuite"]
        attrs = {}
        for k in ("tests", "failures", "errors", "skipped"):
            vals = [h.get(k) for h in holders]
            if vals and all(v is not None for v in vals):
                attrs[k] = sum(int(v) for v in vals)
    out[path] = {"counts": counts, "attrs": attrs}
print(json.dumps(out))
