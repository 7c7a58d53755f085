"""Idempotent installation of Kafka and Elasticsearch jars (Maven) and FerretDB (Go build)."""

from __future__ import annotations

import hashlib
import json
import shutil
import stat
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from agora.localinfra.errors import InfraError
from agora.localinfra.paths import cache_dir, deploy_dir, file_lock
from agora.localinfra.tools import find_tool, run_logged

KAFKA_VERSION = "3.9.1"
ELASTICSEARCH_VERSION = "7.10.2"
FERRETDB_VERSION = "v1.24.2"
_FERRETDB_MODULE = "github.com/FerretDB/FerretDB"

Reporter = Callable[[str], None]


@dataclass(frozen=True)
class Installation:
    """Everything the stack runs: the Java executable, two classpath directories, one binary."""

    java: Path
    kafka_libs: Path
    elasticsearch_libs: Path
    ferretdb: Path


@dataclass(frozen=True)
class _Step:
    """Builds product with tool unless stamp already holds key (a hash of inputs and version)."""

    description: str
    tool: str
    home: Path
    product: Path
    key: str
    build: Callable[[Path], None]

    @property
    def stamp(self) -> Path:
        return self.home / "stamp"

    def is_current(self) -> bool:
        stamp = self.stamp
        return self.product.exists() and stamp.is_file() and stamp.read_text().strip() == self.key

    def run(self, tool: Path, report: Reporter) -> None:
        report(self.description)
        self.build(tool)
        self.stamp.write_text(self.key)


def _stamp_key(version: str, *inputs: Path) -> str:
    digest = hashlib.sha256(version.encode())
    for path in inputs:
        digest.update(path.read_bytes())
    return digest.hexdigest()


def _maven_step(name: str, version: str, pom: Path, cache: Path) -> _Step:
    home = cache / f"{name}-{version}"
    libs = home / "libs"

    def build(mvn: Path) -> None:
        home.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(pom, home / "pom.xml")
        staging = home / "libs.partial"
        shutil.rmtree(staging, ignore_errors=True)
        run_logged(
            [
                str(mvn),
                "-q",
                "-B",
                "-f",
                str(home / "pom.xml"),
                "dependency:copy-dependencies",
                f"-DoutputDirectory={staging}",
            ],
            cwd=home,
            log_file=cache / "logs" / f"{name}-install.log",
            what=f"{name} install (Maven)",
        )
        shutil.rmtree(libs, ignore_errors=True)
        staging.rename(libs)

    return _Step(
        f"installing {name} {version} with Maven into {libs}",
        "mvn",
        home,
        libs,
        _stamp_key(version, pom),
        build,
    )


def _make_writable(tree: Path) -> None:
    # The Go module cache is read-only; the copy must accept version.txt and later removal.
    for entry in (tree, *tree.rglob("*")):
        if not entry.is_symlink():
            entry.chmod(entry.stat().st_mode | stat.S_IWUSR)


@dataclass(frozen=True)
class SourcePatch:
    """One checked edit of FerretDB's source: ``upstream`` must occur exactly ``count`` times."""

    file: str
    upstream: str
    patched: str
    count: int = 1


ID_IN_PUSHDOWN_LIMIT = 1000
"""The longest ``_id: {$in: [...]}`` list our FerretDB build reads by the index (one SQL
parameter each, far below SQLite's limit); a longer one is filtered as upstream does."""

_GO_ID_LIST_ARGUMENTS = (
    "\tvalues, ok := in.(*types.Array)\n"
    f"\tif !ok || values.Len() == 0 || values.Len() > {ID_IN_PUSHDOWN_LIMIT} {{\n"
    '\t\treturn "", nil\n'
    "\t}\n"
    "\targs := make([]any, 0, values.Len())\n"
    "\tfor i := 0; i < values.Len(); i++ {\n"
    "\t\tvalue := must.NotFail(values.Get(i))\n"
    "\t\tswitch value.(type) {\n"
    "\t\tcase string, types.ObjectID:\n"
    "\t\t\targs = append(args, string(must.NotFail(sjson.MarshalSingleValue(value))))\n"
    "\t\tdefault:\n"
    '\t\t\treturn "", nil\n'
    "\t\t}\n"
    "\t}\n"
)
"""Go shared by both backends' `_id` list patches: ``in`` (the ``$in`` value) as the SQL
arguments of its elements, or an early return when the list is not read by the index."""

FERRETDB_PATCHES: tuple[SourcePatch, ...] = (
    # Upstream filters by `sjson->'$._id'` but indexes `sjson->"_id"`; SQLite uses an
    # expression index only for the identical expression, so every `_id` lookup, update and
    # delete scanned the table (a missing _id among 5,000 documents: 13.8 ms, now under 1 ms).
    SourcePatch(
        file="internal/backends/sqlite/metadata/metadata.go",
        upstream="IDColumn = DefaultColumn + \"->'$._id'\"",
        patched='IDColumn = DefaultColumn + `->"_id"`',
    ),
    # Upstream pushes `_id` down to SQL only when it is the filter's sole key. Every handler
    # (find, update, delete, findAndModify) filters the returned documents again in Go, so a
    # top-level `_id` equality can narrow the SQL query whatever else the filter says; filters
    # such as `{_id: x, version: {$lt: n}}` then read one row instead of the whole table.
    SourcePatch(
        file="internal/backends/sqlite/collection.go",
        upstream="if params.Filter.Len() == 1 {",
        patched='if countKey(params.Filter, "_id") == 1 {',
        count=2,
    ),
    SourcePatch(
        file="internal/backends/sqlite/collection.go",
        upstream="// check interfaces\n",
        patched=(
            "// countKey (added by Agora's build) counts the top-level fields named key.\n"
            "func countKey(doc *types.Document, key string) int {\n"
            "\tcount := 0\n"
            "\tfor _, k := range doc.Keys() {\n"
            "\t\tif k == key {\n"
            "\t\t\tcount++\n"
            "\t\t}\n"
            "\t}\n"
            "\treturn count\n"
            "}\n\n"
            "// idInClause (added by Agora's build) is the SQL condition reading the rows\n"
            "// named by a filter value {$in: [...]} of strings and ObjectIDs by the _id index.\n"
            "func idInClause(v any) (string, []any) {\n"
            "\tdoc, ok := v.(*types.Document)\n"
            "\tif !ok || doc.Len() != 1 {\n"
            '\t\treturn "", nil\n'
            "\t}\n"
            '\tin, _ := doc.Get("$in")\n'
            + _GO_ID_LIST_ARGUMENTS
            + '\tmarks := strings.TrimSuffix(strings.Repeat("?, ", len(args)), ", ")\n'
            "\treturn fmt.Sprintf(` WHERE %s IN (%s)`, metadata.IDColumn, marks), args\n"
            "}\n\n"
            "// check interfaces\n"
        ),
    ),
    # With the helper above, `{_id: {$in: [...]}}` (strings or ObjectIDs, besides any other
    # keys) reads only the named rows, as MongoDB's _id index does: the batch read a page of
    # posts needs. Upstream read the whole table and filtered every document in Go. As for the
    # equality, the handlers filter the rows again, so the narrowing is always safe.
    SourcePatch(
        file="internal/backends/sqlite/collection.go",
        upstream=(
            "\t\tcase string, types.ObjectID:\n"
            "\t\t\twhereClause = fmt.Sprintf(` WHERE %s = ?`, metadata.IDColumn)\n"
            "\t\t\targs = []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}\n"
            "\t\t}\n"
        ),
        patched=(
            "\t\tcase string, types.ObjectID:\n"
            "\t\t\twhereClause = fmt.Sprintf(` WHERE %s = ?`, metadata.IDColumn)\n"
            "\t\t\targs = []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}\n"
            "\t\tcase *types.Document:\n"
            "\t\t\twhereClause, args = idInClause(v)\n"
            "\t\t}\n"
        ),
    ),
    SourcePatch(
        file="internal/backends/sqlite/collection.go",
        upstream=(
            "\t\t\tfilterPushdown = true\n"
            "\t\t\twhereClause = fmt.Sprintf(` WHERE %s = ?`, metadata.IDColumn)\n"
            "\t\t\targs = []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}\n"
            "\t\t}\n"
        ),
        patched=(
            "\t\t\tfilterPushdown = true\n"
            "\t\t\twhereClause = fmt.Sprintf(` WHERE %s = ?`, metadata.IDColumn)\n"
            "\t\t\targs = []any{string(must.NotFail(sjson.MarshalSingleValue(v)))}\n"
            "\t\tcase *types.Document:\n"
            "\t\t\twhereClause, args = idInClause(v)\n"
            '\t\t\tfilterPushdown = whereClause != ""\n'
            "\t\t}\n"
        ),
    ),
)
FERRETDB_PATCHES += (
    # Upstream defers closing each statement's query iterator until the whole `update` command
    # returns, so a command of n statements holds n pooled backend connections (plus one for
    # each statement's write). Once n reaches the pool size (PostgreSQL: 50, SQLite: 100) the
    # command waits for a connection that only it can release, and every later command waits
    # behind it: the "hang" of the PostgreSQL backend, and the SQLite hang at 100 statements.
    # Closing the iterator after its statement keeps one query connection per command.
    # And the matched documents are read before any is written: upstream wrote each while its
    # read was still open, so on SQLite every update waiting in the write queue held a WAL
    # snapshot, and with a few clients the WAL never started over (it grew by hundreds of
    # megabytes a minute; see fsql_agora_checkpoint.go).
    SourcePatch(
        file="internal/handler/msg_update.go",
        upstream='result, err := common.UpdateDocument(ctx, c, "update", iter, &u)\n',
        patched=(
            "// Agora's build: read the matched documents, then release the read (its\n"
            "\t\t// connection, a WAL snapshot on SQLite) before writing them.\n"
            "\t\tmatchedDocs, err := iterator.ConsumeValues(iter)\n"
            "\t\tcloser.Close()\n"
            "\n"
            "\t\tif err != nil {\n"
            "\t\t\treturn 0, 0, nil, lazyerrors.Error(err)\n"
            "\t\t}\n"
            "\n"
            "\t\tresult, err := common.UpdateDocument(\n"
            '\t\t\tctx, c, "update", iterator.Values(iterator.ForSlice(matchedDocs)), &u,\n'
            "\t\t)\n"
        ),
    ),
    # The PostgreSQL backend pushes equality down as `_jsonb->$1 @> $2`, which no B-tree index
    # serves (neither the operator nor the parameterised key match the index expression), so an
    # `_id` lookup scanned the whole table. A string or ObjectId `_id` (never an array) now
    # compares the unique index's own expression with `=`.
    SourcePatch(
        file="internal/backends/postgresql/query.go",
        upstream=(
            "\t// Select if value under the key is equal to provided value.\n"
            "\tsql := `%[1]s%[2]s%[3]s @> %[4]s`\n"
        ),
        patched=(
            "\t// Select if value under the key is equal to provided value.\n"
            "\tsql := `%[1]s%[2]s%[3]s @> %[4]s`\n"
            "\n"
            "\t// Agora's build: an _id equality uses the unique _id index.\n"
            '\tif k == "_id" && operator == "->" {\n'
            "\t\tswitch v.(type) {\n"
            "\t\tcase string, types.ObjectID:\n"
            "\t\t\tid := string(must.NotFail(sjson.MarshalSingleValue(v)))\n"
            '\t\t\treturn metadata.IDColumn + " = " + p.Next(), []any{id}\n'
            "\t\t}\n"
            "\t}\n"
        ),
    ),
)
FERRETDB_PATCHES += (
    # The same `_id: {$in: [...]}` reading for the PostgreSQL backend, through the unique `_id`
    # index's own expression (as the `_id` equality above).
    SourcePatch(
        file="internal/backends/postgresql/query.go",
        upstream='\t\t\t\tcase "$eq":\n',
        patched=(
            '\t\t\t\tcase "$in":\n'
            "\t\t\t\t\t// Agora's build: an _id list reads by the _id index.\n"
            '\t\t\t\t\tif rootKey == "_id" && keyOperator == "->" {\n'
            '\t\t\t\t\t\tif f, a := idInFilter(p, v); f != "" {\n'
            "\t\t\t\t\t\t\tfilters = append(filters, f)\n"
            "\t\t\t\t\t\t\targs = append(args, a...)\n"
            "\t\t\t\t\t\t}\n"
            "\t\t\t\t\t}\n"
            "\n"
            '\t\t\t\tcase "$eq":\n'
        ),
    ),
    SourcePatch(
        file="internal/backends/postgresql/query.go",
        upstream="func filterEqual(",
        patched=(
            "// idInFilter (added by Agora's build) is the condition that reads the rows named by\n"
            "// an _id list of strings or ObjectIDs through the unique _id index.\n"
            "func idInFilter(p *metadata.Placeholder, in any) (string, []any) {\n"
            + _GO_ID_LIST_ARGUMENTS
            + "\t// Placeholders once the whole list qualifies: each takes the next number.\n"
            "\tmarks := make([]string, len(args))\n"
            "\tfor i := range marks {\n"
            "\t\tmarks[i] = p.Next()\n"
            "\t}\n"
            '\treturn metadata.IDColumn + " IN (" + strings.Join(marks, ", ") + ")", args\n'
            "}\n\n"
            "func filterEqual("
        ),
    ),
)
_GO_ID_RANGE_HELPERS = """
// IDRange (added by Agora's build) is a filter that is only a range of plain strings on _id:
// {_id: {$gt or $gte: low, $lt or $lte: high}}. The SQLite backend reads it by the _id index.
type IDRange struct {
	Low, High                   string
	LowInclusive, HighInclusive bool
}

// GetIDRange (added by Agora's build) returns the filter's IDRange, if it is one.
func GetIDRange(filter *types.Document) (IDRange, bool) {
	var r IDRange
	if filter.Len() != 1 {
		return r, false
	}
	v, err := filter.Get("_id")
	if err != nil {
		return r, false
	}
	doc, ok := v.(*types.Document)
	if !ok || doc.Len() != 2 {
		return r, false
	}
	var low, high bool
	for _, k := range doc.Keys() {
		s, ok := must.NotFail(doc.Get(k)).(string)
		if !ok || !PlainIDString(s) {
			return r, false
		}
		switch {
		case !low && (k == "$gt" || k == "$gte"):
			low, r.Low, r.LowInclusive = true, s, k == "$gte"
		case !high && (k == "$lt" || k == "$lte"):
			high, r.High, r.HighInclusive = true, s, k == "$lte"
		default:
			return r, false
		}
	}
	return r, low && high
}

// PlainIDString (added by Agora's build) reports whether s has only the ASCII characters from
// '#' to '~' that JSON never escapes (so neither a backslash nor '<', '>' or '&'). The JSON text
// of plain strings, quotes included, sorts exactly as the strings do; the closing quote sorts
// below every plain character, so a string sorts before its extensions in both.
func PlainIDString(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '#' || c > '~' || c == '\\\\' || c == '<' || c == '>' || c == '&' {
			return false
		}
	}
	return true
}

// IDRangeSort (added by Agora's build) reports whether the filter is an IDRange and the sort
// is by _id alone (or absent): the SQLite backend then applies the sort and the limit too.
func IDRangeSort(filter, sort *types.Document) bool {
	if _, ok := GetIDRange(filter); !ok {
		return false
	}
	if sort.Len() == 0 {
		return true
	}
	_, err := sort.Get("_id")
	return sort.Len() == 1 && err == nil
}

"""

_GO_ID_RANGE_HANDLER = """
	// Agora's build: a range of plain strings on _id alone, sorted by _id or not sorted, is
	// read by the SQLite backend from the _id index in order, so it takes the sort and the
	// limit too (the handler still filters, sorts and limits what it returns).
	if !h.DisablePushdown && params.Skip == 0 && backends.IDRangeSort(params.Filter, params.Sort) {
		qp.Filter = params.Filter
		qp.Sort = params.Sort
		qp.Limit = params.Limit
	}
"""

_GO_LIMIT_PUSHDOWN = (
    "\tif !h.DisablePushdown && params.Filter.Len() == 0 && params.Sort.Len() == 0 && "
    "params.Skip == 0 {\n"
    "\t\tqp.Limit = params.Limit\n"
    "\t}\n"
)

_GO_SQLITE_ID_RANGE_QUERY = """
// idRangeQuery (added by Agora's build) is the SQL reading an IDRange filter by the
// _id index: the rows whose _id is a string with plain JSON text in the range, in the sort's
// order and within the limit, then every row with a string _id under the range's common
// prefix whose JSON text is not plain (an escape, a space or '!': such text may sort unlike
// its string), which the handler filters and sorts with the rest. Plain JSON text sorts as its
// string does, so the ordered part holds the first plain matches and nothing else.
// The other part reads a partial index of just those rows: nothing to read when none exist.
func idRangeQuery(
	selectClause, table string, filter, sort *types.Document, limit int64,
) (string, []any, bool) {
	r, ok := backends.GetIDRange(filter)
	if !ok || !backends.IDRangeSort(filter, sort) {
		return "", nil, false
	}
	low, high := ">", "<"
	if r.LowInclusive {
		low = ">="
	}
	if r.HighInclusive {
		high = "<="
	}
	common := 0
	for common < len(r.Low) && common < len(r.High) && r.Low[common] == r.High[common] {
		common++
	}
	prefix := `"` + r.Low[:common]
	next := prefix[:len(prefix)-1] + string(prefix[len(prefix)-1]+1)
	var order string
	if sort.Len() == 1 {
		order = " ORDER BY " + metadata.IDColumn
		if must.NotFail(sort.Get("_id")).(int64) == -1 {
			order += " DESC"
		}
	}
	id := metadata.IDColumn
	// The schema's type: ObjectIDs and binData are JSON strings too, and never match.
	isString := metadata.DefaultColumn + `->>'$."$s".p._id.t' = 'string'`
	plain := fmt.Sprintf(`%s WHERE %s %s ? AND %s %s ? AND %s NOT GLOB '*[\\ !]*' AND %s%s`,
		selectClause, id, low, id, high, id, isString, order)
	args := []any{
		string(must.NotFail(sjson.MarshalSingleValue(r.Low))),
		string(must.NotFail(sjson.MarshalSingleValue(r.High))),
	}
	if limit != 0 {
		plain += ` LIMIT ?`
		args = append(args, limit)
	}
	// The partial index holds only the rows with such JSON text (normally none).
	other := fmt.Sprintf(`%s INDEXED BY %q WHERE %s >= ? AND %s < ? AND %s GLOB '*[\\ !]*' AND %s`,
		selectClause, metadata.NonPlainIDIndex(table), id, id, id, isString)
	args = append(args, prefix, next)
	return `SELECT * FROM (` + plain + `) UNION ALL SELECT * FROM (` + other + `)`, args, true
}

"""

_GO_WITHOUT_ID_ORDER = """
	// Agora's build: the _id order the handler passes for an IDRange is the SQLite backend's
	// to apply; here the handler sorts and limits the filtered documents itself.
	if params.Sort.Len() == 1 && params.Sort.Keys()[0] == "_id" {
		p := *params
		p.Sort, p.Limit = nil, 0
		params = &p
	}
"""

FERRETDB_PATCHES += (
    # `{_id: {$gt: a, $lt: b}}` sorted by `_id` with a limit (a timeline page: the newest
    # entries of one key prefix) is read from the `_id` index in order on SQLite, LIMIT
    # included; upstream read and decoded the whole collection, then sorted it in Go. Only
    # ranges of plain strings (ASCII '#'..'~', nothing JSON escapes) qualify, because the index
    # holds each _id's JSON text; `idRangeQuery` explains why the answer stays exact.
    SourcePatch(
        file="internal/backends/collection.go",
        upstream="// check interfaces\n",
        patched=_GO_ID_RANGE_HELPERS + "// check interfaces\n",
    ),
    SourcePatch(
        file="internal/backends/collection.go",
        upstream='\t\tsortValue := params.Sort.Map()["$natural"].(int64)\n',
        patched=(
            '\t\tsortValue, _ := params.Sort.Map()["$natural"].(int64)\n'
            '\t\tif v, ok := params.Sort.Map()["_id"].(int64); ok { // Agora\'s build: IDRange\n'
            "\t\t\tsortValue = v\n"
            "\t\t}\n"
        ),
        count=2,
    ),
    SourcePatch(
        file="internal/handler/msg_find.go",
        upstream=_GO_LIMIT_PUSHDOWN,
        patched=_GO_LIMIT_PUSHDOWN + _GO_ID_RANGE_HANDLER,
    ),
    SourcePatch(
        file="internal/handler/msg_explain.go",
        upstream=_GO_LIMIT_PUSHDOWN,
        patched=_GO_LIMIT_PUSHDOWN + _GO_ID_RANGE_HANDLER,
    ),
    SourcePatch(
        file="internal/backends/sqlite/collection.go",
        upstream="// check interfaces\n",
        patched=_GO_SQLITE_ID_RANGE_QUERY + "// check interfaces\n",
    ),
    SourcePatch(
        file="internal/backends/sqlite/collection.go",
        upstream=(
            "\tq := prepareSelectClause(meta.TableName, params.Comment, meta.Capped(), "
            "params.OnlyRecordIDs)\n"
        ),
        patched=(
            "\tq := prepareSelectClause(meta.TableName, params.Comment, meta.Capped(), "
            "params.OnlyRecordIDs)\n"
            "\n"
            "\t// Agora's build: an _id range of plain strings reads the _id index.\n"
            "\trq, rargs, idRange := idRangeQuery(\n"
            "\t\tq, meta.TableName, params.Filter, params.Sort, params.Limit,\n"
            "\t)\n"
            "\tif idRange {\n"
            "\t\trows, err := db.QueryContext(ctx, rq, rargs...)\n"
            "\t\tif err != nil {\n"
            "\t\t\treturn nil, lazyerrors.Error(err)\n"
            "\t\t}\n"
            "\n"
            "\t\treturn &backends.QueryResult{\n"
            "\t\t\tIter: newQueryIterator(ctx, rows, params.OnlyRecordIDs),\n"
            "\t\t}, nil\n"
            "\t}\n"
        ),
    ),
    SourcePatch(
        file="internal/backends/sqlite/collection.go",
        upstream="\tq := `EXPLAIN QUERY PLAN ` + selectClause + whereClause + orderByClause\n",
        patched=(
            "\tq := `EXPLAIN QUERY PLAN ` + selectClause + whereClause + orderByClause\n"
            "\n"
            "\t// Agora's build: an _id range of plain strings reads the _id index.\n"
            "\trq, rargs, idRange := idRangeQuery(\n"
            "\t\tselectClause, meta.TableName, params.Filter, params.Sort, params.Limit,\n"
            "\t)\n"
            "\tif idRange {\n"
            "\t\tq, args = `EXPLAIN QUERY PLAN `+rq, rargs\n"
            "\t\tfilterPushdown, sortPushdown = true, params.Sort.Len() == 1\n"
            "\t}\n"
        ),
    ),
    SourcePatch(
        file="internal/backends/sqlite/collection.go",
        upstream=(
            "\tif params.Limit != 0 {\n"
            "\t\tq += ` LIMIT ?`\n"
            "\t\targs = append(args, params.Limit)\n"
            "\t\tlimitPushdown = true\n"
            "\t}\n"
        ),
        patched=(
            "\tif params.Limit != 0 && !idRange {\n"
            "\t\tq += ` LIMIT ?`\n"
            "\t\targs = append(args, params.Limit)\n"
            "\t\tlimitPushdown = true\n"
            "\t}\n"
            "\tlimitPushdown = limitPushdown || (idRange && params.Limit != 0)\n"
        ),
    ),
    # The partial index of `_id`s whose JSON text is not plain, which `idRangeQuery` reads:
    # made with every new collection, and for the collections of older builds when FerretDB
    # opens their database.
    SourcePatch(
        file="internal/backends/sqlite/metadata/registry.go",
        upstream="\tr.colls[dbName] = colls\n",
        patched=(
            "\tfor _, c := range colls {\n"
            "\t\tif _, err = db.ExecContext(ctx, nonPlainIDIndexSQL(c.TableName)); err != nil {\n"
            "\t\t\treturn lazyerrors.Error(err)\n"
            "\t\t}\n"
            "\t}\n"
            "\n"
            "\tr.colls[dbName] = colls\n"
        ),
    ),
    SourcePatch(
        file="internal/backends/sqlite/metadata/registry.go",
        upstream=(
            "\t\t_, _ = r.collectionDrop(ctx, dbName, collectionName)\n"
            "\t\treturn false, lazyerrors.Error(err)\n"
            "\t}\n"
            "\n"
            "\treturn true, nil\n"
        ),
        patched=(
            "\t\t_, _ = r.collectionDrop(ctx, dbName, collectionName)\n"
            "\t\treturn false, lazyerrors.Error(err)\n"
            "\t}\n"
            "\n"
            "\tif _, err = db.ExecContext(ctx, nonPlainIDIndexSQL(tableName)); err != nil {\n"
            "\t\t_, _ = r.collectionDrop(ctx, dbName, collectionName)\n"
            "\t\treturn false, lazyerrors.Error(err)\n"
            "\t}\n"
            "\n"
            "\treturn true, nil\n"
        ),
    ),
    SourcePatch(
        file="internal/backends/sqlite/metadata/registry.go",
        upstream="// check interfaces\n",
        patched=(
            "// NonPlainIDIndex (added by Agora's build) names the partial index of the rows\n"
            "// whose _id JSON text is not plain (an escape, a space or '!'), for _id ranges.\n"
            "func NonPlainIDIndex(table string) string {\n"
            '\treturn table + "_agora_nonplain_id"\n'
            "}\n"
            "\n"
            "func nonPlainIDIndexSQL(table string) string {\n"
            "\treturn fmt.Sprintf(\n"
            "\t\t`CREATE INDEX IF NOT EXISTS %q ON %q (%s) WHERE %s GLOB '*[\\ !]*'`,\n"
            "\t\tNonPlainIDIndex(table), table, IDColumn, IDColumn,\n"
            "\t)\n"
            "}\n"
            "\n"
            "// check interfaces\n"
        ),
    ),
    SourcePatch(
        file="internal/backends/sqlite/query.go",
        upstream='\tv := must.NotFail(sort.Get("$natural"))\n',
        patched=(
            "\tif v, err := sort.Get(\"_id\"); err == nil { // Agora's build: an IDRange's order\n"
            "\t\tif v.(int64) == -1 {\n"
            '\t\t\treturn " ORDER BY " + metadata.IDColumn + " DESC"\n'
            "\t\t}\n"
            '\t\treturn " ORDER BY " + metadata.IDColumn\n'
            "\t}\n"
            '\tv := must.NotFail(sort.Get("$natural"))\n'
        ),
    ),
    SourcePatch(
        file="internal/backends/postgresql/collection.go",
        upstream=(
            "func (c *collection) Query(ctx context.Context, params *backends.QueryParams) "
            "(*backends.QueryResult, error) {\n"
        ),
        patched=(
            "func (c *collection) Query(ctx context.Context, params *backends.QueryParams) "
            "(*backends.QueryResult, error) {" + _GO_WITHOUT_ID_ORDER + "\n"
        ),
    ),
    SourcePatch(
        file="internal/backends/postgresql/collection.go",
        upstream=(
            "func (c *collection) Explain(ctx context.Context, params *backends.ExplainParams) "
            "(*backends.ExplainResult, error) {\n"
        ),
        patched=(
            "func (c *collection) Explain(ctx context.Context, params *backends.ExplainParams) "
            "(*backends.ExplainResult, error) {" + _GO_WITHOUT_ID_ORDER + "\n"
        ),
    ),
)
FERRETDB_PATCHES += (
    # Upstream tracks the lifetime of every iterator, cursor, row set and transaction for leak
    # detection in all builds: a pprof profile entry (a stack trace) and a finalizer each, about
    # a sixth of FerretDB's CPU on a range read of 31 documents (`go tool pprof`). Only debug
    # builds act on it (their finalizer panics naming where the object was created); ours is
    # not one, so tracking is skipped unless `debugbuild.Enabled`.
    SourcePatch(
        file="internal/util/resource/resource.go",
        upstream="func Track(obj any, token *Token) {\n",
        patched=(
            "func Track(obj any, token *Token) {\n"
            "\tif !debugbuild.Enabled { // Agora's build: leak tracking in debug builds only\n"
            "\t\treturn\n"
            "\t}\n"
            "\n"
        ),
    ),
    SourcePatch(
        file="internal/util/resource/resource.go",
        upstream="func Untrack(obj any, token *Token) {\n",
        patched=(
            "func Untrack(obj any, token *Token) {\n"
            "\tif !debugbuild.Enabled { // Agora's build: see Track\n"
            "\t\treturn\n"
            "\t}\n"
            "\n"
        ),
    ),
)
FERRETDB_PATCHES += (
    # SQLite lets one connection write at a time; another that wants to write meanwhile gets
    # SQLITE_BUSY, and the busy handler that upstream sets (`busy_timeout`) retries it after
    # sleeping 1, 2, 5, 10, 15 ... ms, however soon the lock is released. With a few clients
    # writing at once, a write then spent most of its time asleep while the CPUs idled. Our
    # build queues FerretDB's writes to one SQLite file in Go instead, where the next writer
    # starts the moment the previous one commits; reads (WAL snapshots) are not queued.
    SourcePatch(
        file="internal/util/fsql/db.go",
        upstream="\tsqlDB     *sql.DB\n",
        patched=(
            "\tsqlDB     *sql.DB\n"
            "\twrites    sync.Mutex // Agora's build: one write at a time, queued in Go\n"
            "\t// Agora's build: fsql_agora_checkpoint.go (0: never; guarded by writes)\n"
            "\tCheckpointEvery       int\n"
            "\twritesSinceCheckpoint int\n"
        ),
    ),
    SourcePatch(
        file="internal/util/fsql/db.go",
        upstream='\t"log/slog"\n',
        patched='\t"log/slog"\n\t"sync"\n',
    ),
    SourcePatch(
        file="internal/util/fsql/db.go",
        upstream=(
            "func (db *DB) ExecContext(ctx context.Context, query string, args ...any) "
            "(sql.Result, error) {\n"
        ),
        patched=(
            "func (db *DB) ExecContext(ctx context.Context, query string, args ...any) "
            "(sql.Result, error) {\n"
            "\tdb.writes.Lock()\n"
            "\tdefer db.writes.Unlock()\n"
            "\tdefer db.checkpointAfterWrite() // before the unlock above\n"
            "\n"
        ),
    ),
    SourcePatch(
        file="internal/util/fsql/db.go",
        upstream=(
            "func (db *DB) InTransaction(ctx context.Context, f func(*Tx) error) (err error) {\n"
        ),
        patched=(
            "func (db *DB) InTransaction(ctx context.Context, f func(*Tx) error) (err error) {\n"
            "\tdb.writes.Lock()\n"
            "\tdefer db.writes.Unlock()\n"
            "\tdefer db.checkpointAfterWrite() // before the unlock above\n"
            "\n"
        ),
    ),
)
FERRETDB_PATCHES += (
    # SQLite files checkpoint their WAL every `fsql.SQLiteCheckpointEvery` writes, in the write
    # queue above, instead of SQLite's automatic checkpoint (fsql_agora_checkpoint.go says why).
    SourcePatch(
        file="internal/backends/sqlite/metadata/pool/opendb.go",
        upstream="\treturn fsql.WrapDB(db, name, l), nil\n",
        patched=(
            "\twrapped := fsql.WrapDB(db, name, l)\n"
            "\tif !memory { // Agora's build\n"
            "\t\twrapped.CheckpointEvery = fsql.SQLiteCheckpointEvery\n"
            "\t}\n"
            "\n"
            "\treturn wrapped, nil\n"
        ),
    ),
)
FERRETDB_PATCHES += (
    # Stored documents are decoded by a single pass guided by their schema (the added file
    # below says why); upstream's decoder stays, for whatever the fast one does not expect.
    SourcePatch(
        file="internal/handler/sjson/sjson.go",
        upstream="func Unmarshal(data []byte) (*types.Document, error) {\n",
        patched=(
            "func Unmarshal(data []byte) (*types.Document, error) {\n"
            "\tif doc, ok := fastUnmarshal(data); ok { // Agora's build: sjson_agora_fast.go\n"
            "\t\treturn doc, nil\n"
            "\t}\n"
            "\n"
            "\treturn upstreamUnmarshal(data)\n"
            "}\n"
            "\n"
            "// upstreamUnmarshal is upstream's Unmarshal.\n"
            "func upstreamUnmarshal(data []byte) (*types.Document, error) {\n"
        ),
    ),
)
UPDATE_MANY_BATCH = 1000
"""Documents one multi-document update writes per SQLite transaction in our FerretDB build."""
_GO_NOTHING_MORE_MATCHES = "\t\t\tif !upsert {\n"
_GO_BEFORE_UPSERT = (
    "\t\t\t}\n"
    "\t\t}\n"
    "\n"
    "\t\tif upsert {\n"
    "\t\t\tif err = processFilterEqualityCondition(doc, param.Filter); err != nil {\n"
)
FERRETDB_PATCHES += (
    # Upstream writes each document an update matches in a transaction of its own: a commit,
    # its WAL frames and a turn of the write queue per document. Ours writes a multi-document
    # update's documents `UPDATE_MANY_BATCH` at a time, one transaction each (the relay marks
    # a round's commits published with one `update_many`). findAndModify is left alone.
    SourcePatch(
        file="internal/handler/common/update.go",
        upstream='\tisFindAndModify := (strings.ToLower(cmd) == "findandmodify")\n',
        patched=(
            '\tisFindAndModify := (strings.ToLower(cmd) == "findandmodify")\n'
            "\n"
            "\t// Agora's build: a multi-document update's documents, written in batches.\n"
            "\tbatched := param.Multi && !isFindAndModify\n"
            "\tvar batch []*types.Document\n"
            "\tflush := func() error {\n"
            "\t\tif len(batch) == 0 {\n"
            "\t\t\treturn nil\n"
            "\t\t}\n"
            "\t\t_, err := c.UpdateAll(ctx, &backends.UpdateAllParams{Docs: batch})\n"
            "\t\tbatch = nil\n"
            "\n"
            "\t\treturn err\n"
            "\t}\n"
        ),
    ),
    SourcePatch(
        file="internal/handler/common/update.go",
        upstream=_GO_NOTHING_MORE_MATCHES + "\t\t\t\treturn result, nil\n" + _GO_BEFORE_UPSERT,
        patched=(
            _GO_NOTHING_MORE_MATCHES + "\t\t\t\tif err = flush(); err != nil {\n"
            "\t\t\t\t\treturn nil, lazyerrors.Error(err)\n"
            "\t\t\t\t}\n"
            "\n"
            "\t\t\t\treturn result, nil\n" + _GO_BEFORE_UPSERT
        ),
    ),
    SourcePatch(
        file="internal/handler/common/update.go",
        upstream=(
            "\t\t\t_, err := c.UpdateAll(ctx, &backends.UpdateAllParams"
            "{Docs: []*types.Document{doc}})\n"
        ),
        patched=(
            "\t\t\tvar err error\n"
            "\t\t\tif batched {\n"
            "\t\t\t\tbatch = append(batch, doc)\n"
            f"\t\t\t\tif len(batch) >= {UPDATE_MANY_BATCH} {{\n"
            "\t\t\t\t\terr = flush()\n"
            "\t\t\t\t}\n"
            "\t\t\t} else {\n"
            "\t\t\t\t_, err = c.UpdateAll(ctx, &backends.UpdateAllParams"
            "{Docs: []*types.Document{doc}})\n"
            "\t\t\t}\n"
        ),
    ),
)
FERRETDB_PATCHES += tuple(
    # A document that cannot be updated ends the command with an error, as upstream; the
    # documents before it in the batch are written first, so they stay updated, as upstream.
    SourcePatch(
        file="internal/handler/common/update.go",
        upstream=before + "return nil, lazyerrors.Error(err)\n",
        patched=before
        + "_ = flush() // Agora's build\n"
        + indent
        + "return nil, lazyerrors.Error(err)\n",
    )
    for before, indent in (
        ("\t\t\tif !errors.Is(err, iterator.ErrIteratorDone) {\n\t\t\t\t", "\t\t\t\t"),
        ("\t\tif err = doc.ValidateData(); err != nil {\n\t\t\t", "\t\t\t"),
        ("\t\tif err != nil {\n\t\t\t", "\t\t\t"),
    )
)
FERRETDB_PATCHES += (
    # Upstream ran an update command's statements in order and ended it at the first one that
    # failed (an upsert's duplicate key, an operator that cannot apply) with a bare error, so a
    # client believed nothing was written while the statements before it were; it also gave an
    # upserted document the index of its place among the upserts, not of its statement. Ours
    # answers as MongoDB does: the counts of the statements that ran, each write error under
    # its statement's index, and `ordered: false` runs the statements after a failed one
    # (grouped projection updates, `agora.eventsourcing.grouped_updates`, rely on this).
    SourcePatch(
        file="internal/handler/msg_update.go",
        upstream='\t"github.com/FerretDB/wire"\n',
        patched='\t"github.com/FerretDB/wire"\n\t"go.mongodb.org/mongo-driver/mongo"\n',
    ),
    SourcePatch(
        file="internal/handler/msg_update.go",
        upstream='import (\n\t"context"\n',
        patched='import (\n\t"context"\n\t"errors"\n',
    ),
    SourcePatch(
        file="internal/handler/msg_update.go",
        upstream=(
            "\t// TODO https://github.com/FerretDB/FerretDB/issues/2612\n"
            "\t_ = params.Ordered\n"
            "\n"
            "\tmatched, modified, upserted, err := h.updateDocument(connCtx, params)\n"
        ),
        patched=(
            "\t// Agora's build: `ordered` is honoured; MongoDB's default is true.\n"
            "\tordered := true\n"
            '\tif value, getErr := document.Get("ordered"); getErr == nil {\n'
            "\t\tif b, ok := value.(bool); ok {\n"
            "\t\t\tordered = b\n"
            "\t\t}\n"
            "\t}\n"
            "\n"
            "\tmatched, modified, upserted, writeErrors, err := "
            "h.updateDocument(connCtx, params, ordered)\n"
        ),
    ),
    SourcePatch(
        file="internal/handler/msg_update.go",
        upstream='\tres.Set("nModified", modified)\n\tres.Set("ok", float64(1))\n',
        patched=(
            '\tres.Set("nModified", modified)\n'
            "\n"
            "\tif len(writeErrors) > 0 {\n"
            "\t\tarray := types.MakeArray(len(writeErrors))\n"
            "\t\tfor _, we := range writeErrors {\n"
            "\t\t\tarray.Append(WriteErrorDocument(we))\n"
            "\t\t}\n"
            "\n"
            '\t\tres.Set("writeErrors", array)\n'
            "\t}\n"
            "\n"
            '\tres.Set("ok", float64(1))\n'
        ),
    ),
    SourcePatch(
        file="internal/handler/msg_update.go",
        upstream=(
            "func (h *Handler) updateDocument(ctx context.Context, params *common.UpdateParams) "
            "(int32, int32, *types.Array, error) {\n"
        ),
        patched=(
            "func (h *Handler) updateDocument(ctx context.Context, params *common.UpdateParams, "
            "ordered bool) (int32, int32, *types.Array, []*mongo.WriteError, error) {\n"
            "\tvar writeErrors []*mongo.WriteError\n"
        ),
    ),
    SourcePatch(
        file="internal/handler/msg_update.go",
        upstream="\tfor _, u := range params.Updates {\n",
        patched="\tfor i, u := range params.Updates {\n",
    ),
    SourcePatch(
        file="internal/handler/msg_update.go",
        upstream=(
            '\t\t\tctx, c, "update", iterator.Values(iterator.ForSlice(matchedDocs)), &u,\n'
            "\t\t)\n"
            "\t\tif err != nil {\n"
            "\t\t\treturn 0, 0, nil, lazyerrors.Error(err)\n"
            "\t\t}\n"
        ),
        patched=(
            '\t\t\tctx, c, "update", iterator.Values(iterator.ForSlice(matchedDocs)), &u,\n'
            "\t\t)\n"
            "\t\tif err != nil {\n"
            "\t\t\tvar statementErr *handlererrors.WriteErrors\n"
            "\t\t\tif !errors.As(\n"
            '\t\t\t\thandleUpdateError(params.DB, params.Collection, "update", err), '
            "&statementErr,\n"
            "\t\t\t) {\n"
            "\t\t\t\treturn 0, 0, nil, lazyerrors.Error(err)\n"
            "\t\t\t}\n"
            "\n"
            "\t\t\tcode, message := statementErr.FirstCodeAndMessage()\n"
            "\t\t\twriteErrors = append(writeErrors, "
            "&mongo.WriteError{Index: i, Code: int(code), Message: message})\n"
            "\n"
            "\t\t\tif ordered {\n"
            "\t\t\t\tbreak\n"
            "\t\t\t}\n"
            "\n"
            "\t\t\tcontinue\n"
            "\t\t}\n"
        ),
    ),
    SourcePatch(
        file="internal/handler/msg_update.go",
        upstream="return 0, 0, nil, ",
        patched="return 0, 0, nil, nil, ",
        count=9,
    ),
    SourcePatch(
        file="internal/handler/msg_update.go",
        upstream='\t\t\t\t"index", int32(upserted.Len()),\n',
        patched='\t\t\t\t"index", int32(i),\n',
    ),
    SourcePatch(
        file="internal/handler/msg_update.go",
        upstream="\treturn matched, modified, &upserted, nil\n",
        patched="\treturn matched, modified, &upserted, writeErrors, nil\n",
    ),
)
FERRETDB_PATCHES += (
    # The documents an update command's statements change are written together, one
    # transaction per 1,000 (handler_agora_pending_updates.go says when a statement must wait
    # for the held ones to be written first).
    SourcePatch(
        file="internal/handler/msg_update.go",
        upstream="\tvar writeErrors []*mongo.WriteError\n",
        patched=(
            "\tvar writeErrors []*mongo.WriteError\n"
            "\tvar pending *agoraPendingUpdates\n"
            "\n"
            "\tdefer func() {\n"
            "\t\t// After a failure, the statements before it stay written, as upstream.\n"
            "\t\tif pending != nil {\n"
            "\t\t\t_ = pending.Flush(ctx)\n"
            "\t\t}\n"
            "\t}()\n"
        ),
    ),
    SourcePatch(
        file="internal/handler/msg_update.go",
        upstream="\t\tvar qp backends.QueryParams\n",
        patched=(
            "\t\t// Agora's build: the changed documents are held and written together.\n"
            "\t\tif pending == nil {\n"
            "\t\t\tpending = newAgoraPendingUpdates(c)\n"
            "\t\t}\n"
            "\n"
            "\t\tif !pending.MayRunBeforeFlush(u.Filter) {\n"
            "\t\t\tif err = pending.Flush(ctx); err != nil {\n"
            "\t\t\t\treturn 0, 0, nil, nil, lazyerrors.Error(err)\n"
            "\t\t\t}\n"
            "\t\t}\n"
            "\n"
            "\t\tvar qp backends.QueryParams\n"
        ),
    ),
    SourcePatch(
        file="internal/handler/msg_update.go",
        upstream='\t\t\tctx, c, "update", iterator.Values',
        patched='\t\t\tctx, pending, "update", iterator.Values',
    ),
    SourcePatch(
        file="internal/handler/msg_update.go",
        upstream="\treturn matched, modified, &upserted, writeErrors, nil\n",
        patched=(
            "\tif pending != nil {\n"
            "\t\tif err = pending.Flush(ctx); err != nil {\n"
            "\t\t\treturn 0, 0, nil, nil, lazyerrors.Error(err)\n"
            "\t\t}\n"
            "\t}\n"
            "\n"
            "\treturn matched, modified, &upserted, writeErrors, nil\n"
        ),
    ),
)
UPDATE_ROWS_PER_STATEMENT = 500
"""Documents one SQL statement of our FerretDB build's SQLite updates writes (2 parameters each)."""
FERRETDB_PATCHES += (
    # modernc's SQLite driver prepares a statement on every exec, prepared or not: upstream's
    # UPDATE per document spent a fifth of a multi-document write preparing the same SQL again
    # (profiled under `make bench`). Ours writes up to UPDATE_ROWS_PER_STATEMENT documents with
    # one `UPDATE … FROM (VALUES …)`, which SQLite runs through the _id index, one lookup per
    # row. A document named twice is written once, with its last version (as one UPDATE after
    # the other would leave it).
    SourcePatch(
        file="internal/backends/sqlite/collection.go",
        upstream=(
            "\terr := db.InTransaction(ctx, func(tx *fsql.Tx) error {\n"
            "\t\tfor _, doc := range params.Docs {\n"
            "\t\t\tb, err := sjson.Marshal(doc)\n"
            "\t\t\tif err != nil {\n"
            "\t\t\t\treturn lazyerrors.Error(err)\n"
            "\t\t\t}\n"
            "\n"
            '\t\t\tid, _ := doc.Get("_id")\n'
            "\t\t\tmust.NotBeZero(id)\n"
            "\n"
            "\t\t\targ := string(must.NotFail(sjson.MarshalSingleValue(id)))\n"
            "\n"
            "\t\t\tr, err := tx.ExecContext(ctx, q, string(b), arg)\n"
        ),
        patched=(
            # Go source carrying SQL with placeholders, not a query built here:
            "\t// Agora's build: many documents per statement (UPDATE … FROM (VALUES …)).\n"  # noqa: S608
            "\tlast := make(map[string]int, len(params.Docs))\n"
            "\tids := make([]string, len(params.Docs))\n"
            "\n"
            "\tfor i, doc := range params.Docs {\n"
            '\t\tid, _ := doc.Get("_id")\n'
            "\t\tmust.NotBeZero(id)\n"
            "\n"
            "\t\tids[i] = string(must.NotFail(sjson.MarshalSingleValue(id)))\n"
            "\t\tlast[ids[i]] = i\n"
            "\t}\n"
            "\n"
            "\tvar rows [][2]string\n"
            "\n"
            "\tfor i, doc := range params.Docs {\n"
            "\t\tif last[ids[i]] != i {\n"
            "\t\t\tcontinue // a later version of this document follows\n"
            "\t\t}\n"
            "\n"
            "\t\tb, err := sjson.Marshal(doc)\n"
            "\t\tif err != nil {\n"
            "\t\t\treturn nil, lazyerrors.Error(err)\n"
            "\t\t}\n"
            "\n"
            "\t\trows = append(rows, [2]string{string(b), ids[i]})\n"
            "\t}\n"
            "\n"
            "\terr := db.InTransaction(ctx, func(tx *fsql.Tx) error {\n"
            f"\t\tfor start := 0; start < len(rows); start += {UPDATE_ROWS_PER_STATEMENT} {{\n"
            f"\t\t\tchunk := rows[start:min(start+{UPDATE_ROWS_PER_STATEMENT}, len(rows))]\n"
            "\t\t\tvalues := make([]string, len(chunk))\n"
            "\t\t\targs := make([]any, 0, 2*len(chunk))\n"
            "\n"
            "\t\t\tfor j, row := range chunk {\n"
            '\t\t\t\tvalues[j] = "(?, ?)"\n'
            "\t\t\t\targs = append(args, row[0], row[1])\n"
            "\t\t\t}\n"
            "\n"
            "\t\t\tstatement := q // one document: the plain UPDATE is cheaper than a join\n"
            "\t\t\tif len(chunk) > 1 {\n"
            "\t\t\t\tstatement = fmt.Sprintf(\n"
            "\t\t\t\t\t`UPDATE %q SET %s = v.column1 FROM (VALUES %s) AS v WHERE %s = v.column2`,\n"
            '\t\t\t\t\tmeta.TableName, metadata.DefaultColumn, strings.Join(values, ", "), '
            "metadata.IDColumn,\n"
            "\t\t\t\t)\n"
            "\t\t\t}\n"
            "\n"
            "\t\t\tr, err := tx.ExecContext(ctx, statement, args...)\n"
        ),
    ),
)
FERRETDB_ADDED_FILES: dict[str, str] = {
    "internal/handler/sjson/sjson_agora_fast.go": "patches/sjson_agora_fast.go",
    "internal/util/fsql/fsql_agora_checkpoint.go": "patches/fsql_agora_checkpoint.go",
    "internal/handler/handlererrors/handlererrors_agora_write.go": (
        "patches/handlererrors_agora_write.go"
    ),
    "internal/handler/handler_agora_pending_updates.go": "patches/handler_agora_pending_updates.go",
}
"""Files of ours copied into FerretDB's source (path there: path under deploy/local/ferretdb).
``patches/sjson_agora_fast_test.go`` compares the fast decoder with upstream's on random
documents and checks its caches of decoded schemas and elements;
``tests/integration/test_ferretdb_patches.py`` runs it in a copy made by
``prepare_ferretdb_source``."""
FERRETDB_PATCH_LEVEL = "agora-14"
"""Names the patch set; part of the install stamp, so a changed patch set rebuilds the binary."""


def apply_source_patches(source: Path, patches: Sequence[SourcePatch]) -> None:
    """Apply ``patches`` to a copy of FerretDB's source; refuse if upstream text differs."""
    for patch in patches:
        target = source / patch.file
        text = target.read_text(encoding="utf-8")
        found = text.count(patch.upstream)
        if found != patch.count:
            raise InfraError(
                f"FerretDB source changed: expected {patch.count} of {patch.upstream!r} "
                f"in {patch.file}, found {found}; review the patches in install.py"
            )
        target.write_text(text.replace(patch.upstream, patch.patched), encoding="utf-8")


def prepare_ferretdb_source(go: Path, tool_module: Path, source: Path, log_file: Path) -> None:
    """FerretDB's source as Agora builds it, in ``source`` (replaced if present): the module
    ``tool_module``'s go.mod pins, with ``FERRETDB_PATCHES`` applied and our files added."""
    work = source.parent / "tool"
    work.mkdir(parents=True, exist_ok=True)
    for name in ("go.mod", "go.sum"):
        shutil.copyfile(tool_module / name, work / name)
    # `go install …@v1.24.2` needs the proxy's version list, which is not always served;
    # downloading the version pinned by go.mod and go.sum is not affected.
    listing = run_logged(
        [str(go), "mod", "download", "-json", _FERRETDB_MODULE],
        cwd=work,
        log_file=log_file,
        what="FerretDB module download (Go)",
    )
    if source.exists():
        _make_writable(source)
        shutil.rmtree(source)
    shutil.copytree(Path(json.loads(listing)["Dir"]), source)
    _make_writable(source)
    # The module zip lacks this generated file; without it the binary panics at start.
    (source / "build" / "version" / "version.txt").write_text(FERRETDB_VERSION + "\n")
    apply_source_patches(source, FERRETDB_PATCHES)
    for target, ours in FERRETDB_ADDED_FILES.items():
        shutil.copyfile(tool_module / ours, source / target)


def _ferretdb_step(tool_module: Path, cache: Path) -> _Step:
    home = cache / f"ferretdb-{FERRETDB_VERSION}"
    binary = home / "bin" / "ferretdb"
    log_file = cache / "logs" / "ferretdb-install.log"

    def build(go: Path) -> None:
        source = home / "src"
        prepare_ferretdb_source(go, tool_module, source, log_file)
        partial = home / "bin" / "ferretdb.partial"
        partial.parent.mkdir(parents=True, exist_ok=True)
        run_logged(
            [str(go), "build", "-trimpath", "-o", str(partial), "./cmd/ferretdb"],
            cwd=source,
            log_file=log_file,
            what="FerretDB build (Go)",
        )
        partial.replace(binary)
        shutil.rmtree(source)

    return _Step(
        f"building FerretDB {FERRETDB_VERSION} with Go into {binary} (about a minute)",
        "go",
        home,
        binary,
        _stamp_key(
            # The patches' own text too: an edited patch rebuilds even under the same level.
            f"{FERRETDB_VERSION}+{FERRETDB_PATCH_LEVEL}+{FERRETDB_PATCHES!r}",
            tool_module / "go.mod",
            tool_module / "go.sum",
            *(tool_module / ours for ours in FERRETDB_ADDED_FILES.values()),
        ),
        build,
    )


def install(report: Reporter = lambda _message: None) -> Installation:
    """Install Kafka, Elasticsearch and FerretDB into the cache unless already there."""
    java = find_tool("java")
    cache, deploy = cache_dir(), deploy_dir()
    kafka = _maven_step("kafka", KAFKA_VERSION, deploy / "kafka" / "pom.xml", cache)
    elasticsearch = _maven_step(
        "elasticsearch", ELASTICSEARCH_VERSION, deploy / "elasticsearch" / "pom.xml", cache
    )
    ferretdb = _ferretdb_step(deploy / "ferretdb", cache)
    # Two sessions (say `make up` and a pytest run) may install at once: serialise them.
    with file_lock(cache / "install.lock"):
        stale = [step for step in (kafka, elasticsearch, ferretdb) if not step.is_current()]
        # Find every missing tool before any slow step starts.
        tools = {step.tool: find_tool(step.tool) for step in stale}
        # Maven runs stay sequential (one local repository); the Go build overlaps them.
        with ThreadPoolExecutor(max_workers=1) as pool:
            go_builds = [pool.submit(s.run, tools["go"], report) for s in stale if s.tool == "go"]
            for step in stale:
                if step.tool == "mvn":
                    step.run(tools["mvn"], report)
            for build in go_builds:
                build.result()
    return Installation(java, kafka.product, elasticsearch.product, ferretdb.product)
