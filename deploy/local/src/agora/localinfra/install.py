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
    SourcePatch(
        file="internal/handler/msg_update.go",
        upstream='result, err := common.UpdateDocument(ctx, c, "update", iter, &u)\n',
        patched=(
            'result, err := common.UpdateDocument(ctx, c, "update", iter, &u)\n'
            "\n"
            "\t\t// Agora's build: release this statement's connection now, not at return.\n"
            "\t\tcloser.Close()\n"
            "\n"
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
FERRETDB_PATCH_LEVEL = "agora-4"
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


def _ferretdb_step(tool_module: Path, cache: Path) -> _Step:
    home = cache / f"ferretdb-{FERRETDB_VERSION}"
    binary = home / "bin" / "ferretdb"
    log_file = cache / "logs" / "ferretdb-install.log"

    def build(go: Path) -> None:
        tool = home / "tool"
        tool.mkdir(parents=True, exist_ok=True)
        for name in ("go.mod", "go.sum"):
            shutil.copyfile(tool_module / name, tool / name)
        # `go install …@v1.24.2` needs the proxy's version list, which is not always served;
        # downloading the version pinned by go.mod and go.sum is not affected.
        listing = run_logged(
            [str(go), "mod", "download", "-json", _FERRETDB_MODULE],
            cwd=tool,
            log_file=log_file,
            what="FerretDB module download (Go)",
        )
        source = home / "src"
        if source.exists():
            _make_writable(source)
            shutil.rmtree(source)
        shutil.copytree(Path(json.loads(listing)["Dir"]), source)
        _make_writable(source)
        # The module zip lacks this generated file; without it the binary panics at start.
        (source / "build" / "version" / "version.txt").write_text(FERRETDB_VERSION + "\n")
        apply_source_patches(source, FERRETDB_PATCHES)
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
