"""
Times pytest-flakefighters' own classifiers on the workloads bench/classifiers.bench.ts writes, for the
side-by-side rows of `npm run bench`. Usage (Debian's python3 with numpy, scipy, scikit-learn, pandas
and SQLAlchemy 2):
    /usr/bin/python3 plugin-classifiers.py PLUGIN_SRC KIND WORKLOAD.json RUNS
KIND is cosine, coverage or sffl. Prints one JSON line: the median seconds of RUNS classifications (input
objects built outside the timing, as the plugin has them from its database) and what it concluded.
"""
import hashlib
import json
import os
import statistics
import sys
import tempfile
import time
import warnings

warnings.simplefilter("ignore")
sys.path.insert(0, sys.argv[1])
from pytest_flakefighters.database_management import (  # noqa: E402
    FlakefighterResult, Run, Test, TestException, TestExecution, TracebackEntry,
)
from pytest_flakefighters.flakefighters.coverage_independence import CoverageIndependence  # noqa: E402
from pytest_flakefighters.flakefighters.traceback_matching import CosineSimilarity  # noqa: E402
from pytest_flakefighters.sffl import SFFL  # noqa: E402

kind, path, runs = sys.argv[2], sys.argv[3], int(sys.argv[4])
with open(path, encoding="utf8") as f:
    w = json.load(f)
root = w["root"]


def build(tests):
    out = []
    for t in tests:
        test = Test(name=t["name"], fspath=t["fspath"], line_no=1, skipped=False)
        for e in t["executions"]:
            ex = TestExecution(outcome=e["outcome"], coverage=e.get("coverage"))
            if e.get("frames"):
                ex.exception = TestException(
                    name="E",
                    traceback=[TracebackEntry(path=p, lineno=l, colno=None, statement=s) for p, l, s in e["frames"]],
                )
            test.executions.append(ex)
        if t.get("flaky") is not None:
            test.flakefighter_results.append(FlakefighterResult(name="X", flaky=t["flaky"]))
        out.append(test)
    return Run(root=root, tests=out)


def flaky_count(run):
    n = sum(1 for t in run.tests if any(r.flaky for r in t.flakefighter_results) or any(
        r.flaky for e in t.executions for r in e.flakefighter_results if r.name != "X"))
    return f"{n} flaky of {len(run.tests)}"


times = []
result = None
history = [build(w["history"])] if w["history"] else []
for _ in range(runs):
    run = build(w["tests"])
    if kind == "cosine":
        # Live, as ours runs by default: each failure against the earlier runs, as the plugin's hook calls it.
        ff = CosineSimilarity(run_live=True, previous_runs=history, root=root, threshold=0.8)
        t0 = time.perf_counter()
        for test in run.tests:
            for execution in test.executions:
                ff.flaky_test_live(execution)
        times.append(time.perf_counter() - t0)
        result = flaky_count(run)
    elif kind == "coverage":
        ff = CoverageIndependence(threshold=0.5)
        t0 = time.perf_counter()
        ff.flaky_tests_post(run)
        times.append(time.perf_counter() - t0)
        result = flaky_count(run)
    else:
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "sffl.csv")
            t0 = time.perf_counter()
            SFFL(root, "ochiai", output_file=out).rank(run.tests)
            times.append(time.perf_counter() - t0)
            with open(out, "rb") as f:
                result = "csv sha256 " + hashlib.sha256(f.read()).hexdigest()[:16]
print(json.dumps({"seconds": statistics.median(times), "result": result}))
