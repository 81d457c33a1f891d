"""
Loads a database through pytest-flakefighters' own models (database_management.py, copied next to
this script's working directory by the test) and prints the same JSON shape as read_plugin_db.py.

    read_with_sqlalchemy.py DB_PATH
"""
import json
import sys

from database_management import Database  # noqa: E402  (the plugin's module, unmodified)


def plain(v):
    if isinstance(v, dict):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, set, frozenset)):
        return [plain(x) for x in v]
    return v


def when(d):
    return None if d is None else d.strftime("%Y-%m-%d %H:%M:%S.%f")


def result(r):
    return {"name": r.name, "flaky": bool(r.flaky), "classification": r.classification}


with Database(f"sqlite:///{sys.argv[1]}") as db:
    out = []
    for run in reversed(db.previous_runs):
        tests = []
        for t in sorted(run.tests, key=lambda t: t.id):
            execs = []
            for e in sorted(t.executions, key=lambda e: e.id):
                exc = e.exception
                execs.append({
                    "outcome": e.outcome, "stdout": e.stdout, "stderr": e.stderr, "report": e.report,
                    "start_time": when(e.start_time), "end_time": when(e.end_time),
                    "coverage": plain(e.coverage),
                    "exception": None if exc is None else {
                        "name": exc.name,
                        "traceback": [
                            {"path": f.path, "lineno": f.lineno, "colno": f.colno, "statement": f.statement, "source": f.source}
                            for f in sorted(exc.traceback, key=lambda f: f.id)
                        ],
                    },
                    "flakefighter_results": [result(r) for r in sorted(e.flakefighter_results, key=lambda r: r.id)],
                    "flaky": e.flaky,
                })
            tests.append({
                "fspath": t.fspath, "line_no": t.line_no, "name": t.name, "skipped": t.skipped,
                "executions": execs,
                "flakefighter_results": [result(r) for r in sorted(t.flakefighter_results, key=lambda r: r.id)],
                "flaky": t.flaky,
            })
        out.append({
            "start_time": when(run.start_time),
            "created_at": None if run.created_at is None else run.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            "root": run.root, "commit_sha": run.commit_sha,
            "active_flakefighters": [{"name": a.name, "params": plain(a.params)} for a in sorted(run.active_flakefighters, key=lambda a: a.id)],
            "tests": tests,
        })
    print(json.dumps({"runs": out}))
