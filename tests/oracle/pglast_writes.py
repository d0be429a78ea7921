"""PostgreSQL's own parser (pglast, libpg_query inside) as the oracle for what SQL writes.

Reads JSON lines `{"id": N, "sql": "..."}` on stdin (one statement each, as packetc's psql
splitter cut them) and writes one JSON line per input:
`{"id": N, "ok": true|false, "writes": [{"k": kind, "s": schema|null, "n": name}]}`.

`ok` is whether PostgreSQL's parser accepts the statement, PL/pgSQL bodies of DO blocks and
functions included (the denominator of PC010's share).
A write is anything that changes rows of, or the definition or privileges of, a named
relation, found anywhere in the parse tree: DML (also in CTEs, rules, PREPARE, EXPLAIN ANALYZE,
SQL-standard function bodies, string bodies of SQL and PL/pgSQL functions and DO blocks),
TRUNCATE, COPY FROM, SELECT INTO / CREATE TABLE AS, CREATE TABLE (and the parents it inherits
from or is a partition of), ALTER TABLE (and INHERIT parents), renames (the old and the new
name), DROP of relations and of their triggers, rules and policies, CREATE INDEX / TRIGGER /
RULE / POLICY, GRANT / REVOKE on tables. Deliberately not: COMMENT, VACUUM, ANALYZE, CLUSTER,
REINDEX, LOCK, CREATE STATISTICS (they change no rows, definitions or privileges a packet
policy protects), and writes through views or inheritance that only the catalog knows.

Used by tests/it/lint/pglast_oracle.rs; runs with the pglast venv that .ci/run installs.
"""

import json
import sys

from pglast import parser

RELATION_DROPS = {
    "OBJECT_TABLE",
    "OBJECT_VIEW",
    "OBJECT_MATVIEW",
    "OBJECT_FOREIGN_TABLE",
}
# DROP TRIGGER t ON tab / DROP RULE r ON tab / DROP POLICY p ON tab: the table is all but the
# last name part.
ON_TABLE_DROPS = {"OBJECT_TRIGGER", "OBJECT_RULE", "OBJECT_POLICY"}
RENAMES_OF_RELATIONS = {
    "OBJECT_TABLE",
    "OBJECT_VIEW",
    "OBJECT_MATVIEW",
    "OBJECT_FOREIGN_TABLE",
    "OBJECT_COLUMN",
    "OBJECT_TABCONSTRAINT",
    "OBJECT_TRIGGER",
    "OBJECT_RULE",
    "OBJECT_POLICY",
}

# PL/pgSQL statements that run a string as SQL, and the field holding that string.
DYNAMIC = {
    "PLpgSQL_stmt_dynexecute": "query",
    "PLpgSQL_stmt_dynfors": "query",
    "PLpgSQL_stmt_return_query": "dynquery",
    "PLpgSQL_stmt_open": "dynquery",
}


def rv(node):
    """(schema, name) of a RangeVar dict, or None."""
    if not isinstance(node, dict):
        return None
    if "RangeVar" in node:
        node = node["RangeVar"]
    name = node.get("relname")
    if name is None:
        return None
    return (node.get("schemaname"), name)


def strings(lst):
    out = []
    for item in lst or []:
        if isinstance(item, dict) and "String" in item:
            out.append(item["String"].get("sval", ""))
    return out


def qualified(parts):
    if not parts:
        return None
    return (parts[-2] if len(parts) >= 2 else None, parts[-1])


def truthy(defelem):
    """PostgreSQL's defGetBoolean for an EXPLAIN option: no argument is true."""
    arg = defelem.get("arg")
    if arg is None:
        return True
    if "Boolean" in arg:
        return bool(arg["Boolean"].get("boolval", False))
    if "Integer" in arg:
        return arg["Integer"].get("ival", 0) != 0
    if "String" in arg:
        return arg["String"].get("sval", "").lower() in ("true", "on")
    if "A_Const" in arg:
        return truthy({"arg": {k: v for k, v in arg["A_Const"].items() if k != "location"}})
    return True


class Walker:
    def __init__(self):
        self.writes = []
        self.invalid_body = False

    def add(self, kind, target):
        if target is not None:
            self.writes.append({"k": kind, "s": target[0], "n": target[1]})

    def walk(self, node, depth=0):
        if depth > 200:
            return
        if isinstance(node, list):
            for x in node:
                self.walk(x, depth + 1)
            return
        if not isinstance(node, dict):
            return
        for key, val in node.items():
            handler = getattr(self, "on_" + key, None)
            if handler is not None and isinstance(val, dict):
                if handler(val, depth) is False:
                    continue
            self.walk(val, depth + 1)

    # --- row writes -------------------------------------------------------------------
    def on_InsertStmt(self, n, d):
        self.add("insert", rv(n.get("relation")))

    def on_UpdateStmt(self, n, d):
        self.add("update", rv(n.get("relation")))

    def on_DeleteStmt(self, n, d):
        self.add("delete", rv(n.get("relation")))

    def on_MergeStmt(self, n, d):
        self.add("merge", rv(n.get("relation")))

    def on_TruncateStmt(self, n, d):
        for r in n.get("relations", []):
            self.add("truncate", rv(r))

    def on_CopyStmt(self, n, d):
        if n.get("is_from"):
            self.add("copy", rv(n.get("relation")))

    def on_IntoClause(self, n, d):
        self.add("select into", rv(n.get("rel")))

    def on_ExplainStmt(self, n, d):
        analyze = False
        for o in n.get("options", []):
            de = o.get("DefElem", {})
            if de.get("defname") == "analyze":
                analyze = truthy(de)  # the last one wins
        if not analyze:
            return False  # a plain EXPLAIN runs nothing
        return None

    # --- definitions --------------------------------------------------------------------
    def on_CreateStmt(self, n, d):
        self.add("create table", rv(n.get("relation")))
        for p in n.get("inhRelations", []):
            self.add("inherit from", rv(p))

    def on_AlterTableStmt(self, n, d):
        if n.get("objtype") == "OBJECT_TYPE":
            return  # ALTER TYPE … ATTRIBUTE: a composite type, not a table (CASCADE: see lint)
        self.add("alter", rv(n.get("relation")))
        for c in n.get("cmds", []):
            cmd = c.get("AlterTableCmd", {})
            if cmd.get("subtype") in ("AT_AddInherit", "AT_DropInherit"):
                self.add("inherit from", rv(cmd.get("def")))

    def on_RenameStmt(self, n, d):
        if n.get("renameType") == "OBJECT_ATTRIBUTE":
            return  # ALTER TYPE … RENAME ATTRIBUTE: a composite type, not a table
        rel = rv(n.get("relation"))
        self.add("rename", rel)
        if n.get("renameType") in ("OBJECT_TABLE", "OBJECT_VIEW", "OBJECT_MATVIEW",
                                   "OBJECT_FOREIGN_TABLE") and n.get("newname"):
            self.add("rename into", (rel[0] if rel else None, n["newname"]))

    def on_DropStmt(self, n, d):
        rt = n.get("removeType")
        for o in n.get("objects", []):
            parts = strings(o.get("List", {}).get("items", [])) if isinstance(o, dict) else []
            if rt in RELATION_DROPS:
                self.add("drop", qualified(parts))
            elif rt in ON_TABLE_DROPS:
                self.add("drop on", qualified(parts[:-1]))

    def on_IndexStmt(self, n, d):
        self.add("create index on", rv(n.get("relation")))

    def on_CreateTrigStmt(self, n, d):
        self.add("create trigger on", rv(n.get("relation")))

    def on_RuleStmt(self, n, d):
        self.add("create rule on", rv(n.get("relation")))

    def on_CreatePolicyStmt(self, n, d):
        self.add("create policy on", rv(n.get("table")))

    def on_AlterPolicyStmt(self, n, d):
        self.add("alter policy on", rv(n.get("table")))

    def on_GrantStmt(self, n, d):
        if n.get("objtype") != "OBJECT_TABLE":
            return
        if n.get("targtype") == "ACL_TARGET_OBJECT":
            for o in n.get("objects", []):
                self.add("grant", rv(o))
        elif n.get("targtype") == "ACL_TARGET_ALL_IN_SCHEMA":
            for s in strings(n.get("objects", [])):
                self.add("grant", (s, "*"))

    # --- bodies ---------------------------------------------------------------------------
    def on_CreateFunctionStmt(self, n, d):
        body, lang = None, "sql"
        for o in n.get("options", []):
            de = o.get("DefElem", {})
            if de.get("defname") == "as":
                parts = strings(de.get("arg", {}).get("List", {}).get("items", []))
                body = parts[0] if len(parts) == 1 else None
            elif de.get("defname") == "language":
                lang = de.get("arg", {}).get("String", {}).get("sval", "").lower()
        self.body(body, lang, d)

    def on_DoStmt(self, n, d):
        body, lang = None, "plpgsql"
        for o in n.get("args", []):
            de = o.get("DefElem", {})
            if de.get("defname") == "as":
                body = de.get("arg", {}).get("String", {}).get("sval")
            elif de.get("defname") == "language":
                lang = de.get("arg", {}).get("String", {}).get("sval", "").lower()
        self.body(body, lang, d)

    def body(self, body, lang, d):
        if body is None or d > 100:
            return
        if lang == "sql":
            try:
                self.walk(json.loads(parser.parse_sql_json(body)), d + 1)
            except Exception:
                pass
        elif lang == "plpgsql":
            tag = "$pcx$"
            while tag in body:
                tag = tag[:-1] + "x$"
            src = f"CREATE FUNCTION pg_temp.f() RETURNS void LANGUAGE plpgsql AS {tag}{body}{tag}"
            try:
                tree = json.loads(parser.parse_plpgsql_json(src))
            except Exception:
                # PostgreSQL rejects the body (at CREATE FUNCTION, or when the DO block runs).
                self.invalid_body = True
                return
            self.plpgsql(tree, d + 1)

    def dynamic_constant(self, expr, d):
        """EXECUTE of a string constant (also `'…'` continued on the next line, `E'…'`,
        dollar quotes): PL/pgSQL runs that text as SQL."""
        if not isinstance(expr, dict):
            return
        q = expr.get("PLpgSQL_expr", {}).get("query")
        if q is None:
            return
        try:
            sel = json.loads(parser.parse_sql_json("SELECT " + q))
            val = sel["stmts"][0]["stmt"]["SelectStmt"]["targetList"][0]["ResTarget"]["val"]
            text = val["A_Const"]["sval"]["sval"]
        except Exception:
            return  # not a constant: packetc must fail closed (PC013), nothing to walk
        try:
            self.walk(json.loads(parser.parse_sql_json(text)), d + 1)
        except Exception:
            pass

    def plpgsql(self, node, d):
        """Every SQL query embedded in a PL/pgSQL body (PLpgSQL_expr.query), and the text of
        every EXECUTE of a constant string."""
        if isinstance(node, list):
            for x in node:
                self.plpgsql(x, d)
        elif isinstance(node, dict):
            for k, v in node.items():
                if k in DYNAMIC and isinstance(v, dict):
                    self.dynamic_constant(v.get(DYNAMIC[k]), d)
                if k == "PLpgSQL_expr" and isinstance(v, dict) and "query" in v:
                    try:
                        self.walk(json.loads(parser.parse_sql_json(v["query"])), d + 1)
                    except Exception:
                        pass
                else:
                    self.plpgsql(v, d)


def main():
    out = sys.stdout
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        req = json.loads(line)
        w = Walker()
        try:
            tree = json.loads(parser.parse_sql_json(req["sql"]))
            ok = True
        except Exception:
            tree, ok = None, False
        if ok:
            w.walk(tree)
            ok = not w.invalid_body
        n = len(tree.get("stmts", [])) if ok else 0
        out.write(json.dumps({"id": req["id"], "ok": ok, "n": n, "writes": w.writes}) + "\n")
    out.flush()


if __name__ == "__main__":
    main()
