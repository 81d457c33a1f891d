"""
Reads a flakefighters SQLite database the way pytest-flakefighters 0.7.0's SQLAlchemy models map it,
with the standard library only (SQLAlchemy 2 is not installed here), and prints the object graph as
JSON: Run -> active_flakefighters, tests -> executions -> exception -> traceback, results, and the
Test.flaky / TestExecution.flaky properties computed exactly as the models compute them.

    read_plugin_db.py DB SCHEMA_SQL [--placeholder-globals]

Every table and column of SCHEMA_SQL (the plugin's DDL) is selected, each plugin table's DDL in DB
must be the plugin's byte for byte, every DATETIME must parse as SQLAlchemy's sqlite dialect parses
it, every BOOLEAN must be 0/1, and every pickled column goes through pickle.loads (plain loads;
with --placeholder-globals a class that cannot be imported, GitPython's Repo, becomes a
placeholder instead of an ImportError: only for the plugin's own fixture).
"""
import io
import json
import pickle
import re
import sqlite3
import sys

db_path, schema_path = sys.argv[1], sys.argv[2]
placeholders = "--placeholder-globals" in sys.argv[3:]

# SQLAlchemy 2.0 sqlite DATETIME storage format and its parsing regexp (sqlalchemy/dialects/sqlite/base.py).
DATETIME_RE = re.compile(r"(\d+)-(\d+)-(\d+)(?: (\d+):(\d+):(\d+)(?:\.(\d{6}))?)?$")

schema = open(schema_path).read()
ddl = {m.group(1): m.group(0) for m in re.finditer(r"CREATE TABLE (\w+) \((?:.|\n)*?\n\)", schema)}
columns = {}
for table, text in ddl.items():
    cols = []
    for line in text.split("\n")[1:-1]:
        word = line.strip().split(" ")[0]
        if word not in ("PRIMARY", "FOREIGN", "CONSTRAINT", "UNIQUE", "CHECK"):
            cols.append(word)
    columns[table] = cols

c = sqlite3.connect(db_path)
master = dict(c.execute("SELECT name, sql FROM sqlite_master WHERE type = 'table'").fetchall())
for table, text in ddl.items():
    assert master.get(table) == text, f"table {table}: DDL differs from the plugin's:\n{master.get(table)}\n---\n{text}"


class Placeholder:
    def __setstate__(self, state):
        self.__state = state

    def plain(self):
        return {"__pickle_global__": type(self).__qualname_full__, "__state__": self.__state}


class PlaceholderUnpickler(pickle.Unpickler):
    def find_class(self, module, name):
        if module in ("builtins", "copyreg", "collections", "datetime"):
            return super().find_class(module, name)
        return type(name, (Placeholder,), {"__qualname_full__": f"{module}.{name}"})


def loads(blob):
    if blob is None:
        return None
    if placeholders:
        return PlaceholderUnpickler(io.BytesIO(blob)).load()
    return pickle.loads(blob)


def plain(v):
    if isinstance(v, Placeholder):
        return plain(v.plain())
    if isinstance(v, dict):
        return {str(k): plain(x) for k, x in v.items()}
    if isinstance(v, (list, tuple, set, frozenset)):
        return [plain(x) for x in v]
    return v


def when(v):
    if v is None:
        return None
    assert isinstance(v, str) and DATETIME_RE.match(v), f"DATETIME {v!r} does not parse as SQLAlchemy's sqlite DATETIME"
    return v


def boolean(v):
    if v is None:
        return None
    assert v in (0, 1) and type(v) is int, f"BOOLEAN {v!r} is not 0/1"
    return bool(v)


def rows(table, where="", args=()):
    cols = columns[table]
    cur = c.execute(f"SELECT {', '.join(cols)} FROM {table} {where} ORDER BY id", args)
    return [dict(zip(cols, r)) for r in cur.fetchall()]


counts = {t: c.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in columns}
reached = {t: 0 for t in columns}


def result(r):
    reached["flakefighter_result"] += 1
    flaky = boolean(r["flaky"])
    assert not (r["test_execution_id"] is None and r["test_id"] is None)
    return {"name": r["name"], "flaky": flaky, "classification": "flaky" if flaky else "genuine"}


out = []
# Database.load_runs(): select(Run).order_by(desc(Run.start_time)); we print oldest first.
for (run_id,) in reversed(c.execute("SELECT id FROM run ORDER BY start_time DESC").fetchall()):
    run = rows("run", "WHERE id = ?", (run_id,))[0]
    reached["run"] += 1
    affs = []
    for a in rows("activeflakefighter", "WHERE run_id = ?", (run["id"],)):
        reached["activeflakefighter"] += 1
        affs.append({"name": a["name"], "params": plain(loads(a["params"]))})
    tests = []
    for t in rows("test", "WHERE run_id = ?", (run["id"],)):
        reached["test"] += 1
        execs = []
        for e in rows("test_execution", "WHERE test_id = ?", (t["id"],)):
            reached["test_execution"] += 1
            excs = rows("test_exception", "WHERE execution_id = ?", (e["id"],))
            assert len(excs) <= 1, "TestExecution.exception is uselist=False"
            exception = None
            for x in excs:
                reached["test_exception"] += 1
                tb = []
                for f in rows("tracebackentry", "WHERE exception_id = ?", (x["id"],)):
                    reached["tracebackentry"] += 1
                    tb.append({k: f[k] for k in ("path", "lineno", "colno", "statement", "source")})
                exception = {"name": x["name"], "traceback": tb}
            results = [result(r) for r in rows("flakefighter_result", "WHERE test_execution_id = ?", (e["id"],))]
            execs.append({
                "outcome": e["outcome"], "stdout": e["stdout"], "stderr": e["stderr"], "report": e["report"],
                "start_time": when(e["start_time"]), "end_time": when(e["end_time"]),
                "coverage": plain(loads(e["coverage"])), "exception": exception,
                "flakefighter_results": results,
                "flaky": any(r["flaky"] for r in results),
            })
        tresults = [result(r) for r in rows("flakefighter_result", "WHERE test_id = ?", (t["id"],))]
        # Test.flaky, verbatim semantics.
        flaky = None if not execs and not tresults else (any(r["flaky"] for r in tresults) or any(e["flaky"] for e in execs))
        tests.append({
            "fspath": t["fspath"], "line_no": t["line_no"], "name": t["name"], "skipped": boolean(t["skipped"]),
            "executions": execs, "flakefighter_results": tresults, "flaky": flaky,
        })
    out.append({
        "start_time": when(run["start_time"]), "created_at": when(run["created_at"]), "root": run["root"],
        "commit_sha": run["commit_sha"], "active_flakefighters": affs, "tests": tests,
    })

print(json.dumps({"runs": out, "counts": counts, "reached": reached, "columns": columns}))
