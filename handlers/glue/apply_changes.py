"""Glue ETL job of one CDC target: executes a run manifest (handlers/core/plan/manifest.ts).

Every statement comes from the manifest, rendered by the TypeScript plan core; this script only runs them in order:
Spark loads and deduplicates each table's batch, the deduplicated batch is copied into the MySQL staging table over
JDBC and the MySQL statements run in one transaction on one connection, then Spark expires tombstones and merges into
the Iceberg tables (expiry before the merge, as in MySQL, so a re-run of the manifest changes nothing).

Failures are per table (DESIGN §5): when the engine rejects one of a table's statements (or the data they read), that
table is recorded as failed with the error and the job goes on with the next table. When every table has an outcome it
writes the manifest's `.done` marker with them; the poller holds the failed tables and lets the others go on. So
`.done` means "this run is over", not "every table is applied". A table whose failure names a transient cause (S3,
the network, memory, the MySQL connection: TRANSIENT_MARKERS) is marked so, and the poller retries it by itself a few
times. Anything else (the MySQL target unreachable when the job opens its connection, a bug here, a lost session, the
job dying) fails the run with no marker: no table is at fault, and the poller runs the manifest again, with backoff.

Job arguments: --manifest s3://bucket/key.json, --manifest_sha256 <hex>, optionally --mysql_connection <Glue connection
name>.

Trust: the job runs only the manifest the poller wrote. The poller passes the SHA-256 of the manifest's bytes as a job
argument (Glue's run arguments are not writable by whoever can write the lake bucket), and a manifest whose bytes hash
differently is refused before anything runs. Each table's files are pinned by ETag: before a table's statements run,
every file is HEAD-checked, and a file whose ETag differs (a DMS reload rewrote `LOAD00000001.parquet` in place) fails
that table — the poller holds it — instead of applying other bytes than the poller planned. The check and Spark's read
are two requests: a file replaced in the seconds between them is read as replaced (S3A/EMRFS cannot pin an ETag given
from outside); the poller's own detection of a reload (a new ETag for a LOAD key) covers that case on the next run.

`main` is the Glue entry point; everything after Glue's own set-up is `run_manifest`, which local mode and the tests
call with a local SparkSession (src/local/spark/glue_local.py), so the code that runs in AWS is the code under test.
"""

import hashlib
import json
import sys

MANIFEST_VERSION = 1
TABLE_KEYS = ("table", "files", "etags", "spark")
SPARK_PHASES = ("create", "load", "dedupe", "guard", "summary", "merge", "expire", "cleanup")
MYSQL_KEYS = ("create", "load", "stage", "apply")


class ManifestError(ValueError):
    """The manifest is not one this runner understands; the message names the field."""


class FileVersionError(RuntimeError):
    """A file of a table is not the version the manifest pins (fails that table only)."""


def parse_args(argv):
    """Job arguments as a dict; `--manifest` is required.

    Glue passes `--name value` pairs, but also flags of its own without a value (`--enable-metrics`): a `--name` whose
    next token is another `--name`, or that ends the list, is such a flag and gets "true" rather than swallowing the
    next argument. No value of these jobs starts with `--` (URIs, names, JSON).
    """
    args = {}
    i = 1
    while i < len(argv):
        name = argv[i]
        if not name.startswith("--") or len(name) == 2:
            i += 1
            continue
        if i + 1 < len(argv) and not argv[i + 1].startswith("--"):
            args[name[2:]] = argv[i + 1]
            i += 2
        else:
            args[name[2:]] = "true"
            i += 1
    if not args.get("manifest") or args["manifest"] == "true":
        raise ManifestError("missing job argument --manifest s3://bucket/key.json")
    if not args.get("manifest_sha256") or args["manifest_sha256"] == "true":
        raise ManifestError("missing job argument --manifest_sha256 (the SHA-256 of the manifest the poller wrote)")
    return args


def split_s3_uri(uri):
    """`s3://bucket/key` → (bucket, key)."""
    if not uri.startswith("s3://") or "/" not in uri[5:]:
        raise ManifestError("expected an s3://bucket/key URI, got %r" % (uri,))
    bucket, key = uri[5:].split("/", 1)
    if not bucket or not key:
        raise ManifestError("expected an s3://bucket/key URI, got %r" % (uri,))
    return bucket, key


def load_manifest(text):
    """Parses and checks the manifest's shape (the zod schema in manifest.ts is the full definition)."""
    try:
        manifest = json.loads(text)
    except ValueError as err:
        raise ManifestError("manifest is not JSON: %s" % err)
    if not isinstance(manifest, dict):
        raise ManifestError("manifest: expected an object")
    if manifest.get("version") != MANIFEST_VERSION:
        raise ManifestError("manifest.version: expected %d, got %r" % (MANIFEST_VERSION, manifest.get("version")))
    for key in ("target", "runId", "doneUri"):
        if not isinstance(manifest.get(key), str) or not manifest[key]:
            raise ManifestError("manifest.%s: expected a non-empty string" % key)
    split_s3_uri(manifest["doneUri"])
    tables = manifest.get("tables")
    if not isinstance(tables, list):
        raise ManifestError("manifest.tables: expected a list")
    for i, table in enumerate(tables):
        where = "manifest.tables[%d]" % i
        for key in TABLE_KEYS:
            if key not in table:
                raise ManifestError("%s.%s: missing" % (where, key))
        if not isinstance(table["etags"], list) or len(table["etags"]) != len(table["files"]):
            raise ManifestError("%s.etags: expected one ETag per file" % where)
        for phase in SPARK_PHASES:
            if phase not in table["spark"]:
                raise ManifestError("%s.spark.%s: missing" % (where, phase))
        if table.get("mysql") is not None:
            for key in MYSQL_KEYS:
                if key not in table["mysql"]:
                    raise ManifestError("%s.mysql.%s: missing" % (where, key))
    return manifest


def table_steps(table):
    """The ordered steps of one table: (kind, payload). Kinds: spark, spark-log, spark-evolve, mysql, mysql-evolve,
    mysql-copy, mysql-transaction. Schema changes (`evolve`) run after create and before the batch is read."""
    spark, mysql = table["spark"], table.get("mysql")
    if spark.get("evolve"):
        steps = [("spark", spark["create"]), ("spark-evolve", spark["evolve"]), ("spark", spark["load"] + spark["dedupe"])]
    else:
        steps = [("spark", spark["create"] + spark["load"] + spark["dedupe"])]
    if mysql is not None:
        if mysql.get("evolve"):
            steps += [("mysql", mysql["create"]), ("mysql-evolve", mysql["evolve"]), ("mysql", mysql["load"])]
        else:
            steps += [("mysql", mysql["create"] + mysql["load"])]
        steps += [("mysql-copy", mysql["stage"]), ("mysql-transaction", mysql["apply"])]
    # Expiry before the guard, as in MySQL's transaction: a re-run of the manifest then meets the same tombstones.
    steps += [
        ("spark", spark["expire"] + spark["guard"]),
        ("spark-log", spark["summary"]),
        ("spark", spark["merge"]),
    ]
    return steps


def drop_relations(table, engine):
    """Drops the table's session relations (its `spark.cleanup`), also after a failure: a cached relation left behind
    would make the next attempt in the same session fail to create it. A drop that fails hides nothing: the statements
    are DROP ... IF EXISTS and the original error is what is raised."""
    for sql in table["spark"]["cleanup"]:
        try:
            engine.spark(sql)
        except Exception as err:  # noqa: BLE001
            print("cdc apply: cleanup of %s failed: %s" % (table["table"], err))


# Session settings the statements rely on, set by the script so they hold whatever the job's --conf says:
# - UTC, so a timestamp never depends on the machine's or the job's time zone (DESIGN §5);
# - CORRECTED rebase: DMS writes proleptic Gregorian dates and timestamps with no Spark writer tag, and Spark 3.5's
#   default (EXCEPTION) refuses such files as soon as a value falls before 1582-10-15.
SESSION_CONF = (
    ("spark.sql.session.timeZone", "UTC"),
    ("spark.sql.parquet.datetimeRebaseModeInRead", "CORRECTED"),
    ("spark.sql.parquet.int96RebaseModeInRead", "CORRECTED"),
    ("spark.sql.parquet.datetimeRebaseModeInWrite", "CORRECTED"),
    ("spark.sql.parquet.int96RebaseModeInWrite", "CORRECTED"),
)


def configure_session(spark):
    for name, value in SESSION_CONF:
        spark.conf.set(name, value)


# Connector/J properties every connection to the target gets unless the Glue connection's URL sets them: multi-row
# INSERTs for Spark's JDBC writer, TLS required (Connector/J's default would fall back to plaintext), and strict SQL
# mode, so a value that does not fit is an error instead of being cut (whatever the server's default sql_mode).
JDBC_PROPERTIES = (
    ("rewriteBatchedStatements", "true"),
    ("sslMode", "REQUIRED"),
    ("sessionVariables", "sql_mode=STRICT_ALL_TABLES"),
)


def target_jdbc_url(jdbc_url):
    """The JDBC URL with JDBC_PROPERTIES added where the URL does not already set them."""
    for name, value in JDBC_PROPERTIES:
        if name + "=" not in jdbc_url:
            jdbc_url += ("&" if "?" in jdbc_url else "?") + name + "=" + value
    return jdbc_url


def column_reference(name):
    """A column name as Spark SQL expressions read it literally (unquoted, `a.b` would be field b of a struct a)."""
    return "`%s`" % name.replace("`", "``")


# Spark's JDBC writer hands dates and timestamps to Connector/J as java.sql.Date/Timestamp: through the JVM's time zone
# and its hybrid Julian calendar, where 1582-10-05..14 do not exist (1582-10-10 arrives as 1582-10-15). As text in
# the session's UTC, they reach MySQL as the values the batch holds.
TEMPORAL_TYPES = ("date", "timestamp", "timestamp_ntz")


def copy_column(name, spark_type):
    """The select expression copying one column of the deduplicated batch into MySQL staging."""
    if spark_type in TEMPORAL_TYPES:
        return "CAST(%s AS STRING) AS %s" % (column_reference(name), column_reference(name))
    return column_reference(name)


def failure_text(err, limit=2000):
    """The first line of an engine error (a Py4J error carries the whole Java stack), at most `limit` characters. When
    the Java exception wraps others, the deepest cause follows in brackets: Spark's own line often ends in "Details:",
    and the cause is what names the damage (or the network) for whoever reads the hold."""
    java = getattr(err, "java_exception", None)
    text = str(java.toString()) if java is not None else str(err)
    lines = [line for line in text.strip().splitlines() if line.strip()]
    first = lines[0].strip() if lines else type(err).__name__
    chain = exception_chain(err) if java is not None else []
    if len(chain) > 1 and " ".join(chain[-1].split()) not in first:
        first += " [cause: %s]" % " ".join(chain[-1].split())
    return first[:limit]


# Failures of the path to the data rather than of the data or the statements: S3 or the network failing, the JVM short
# of memory, the connection to MySQL lost. validate_large_file.py's TRANSIENT_MARKERS (each Glue script is uploaded as
# one file, so the list is copied: keep the two equal) plus the MySQL driver's connection failures. A table failing
# with one is marked `transient` in `.done`: the poller retries it by itself a few times before it waits for a resume.
TRANSIENT_MARKERS = (
    "org.apache.hadoop.fs.s3a.",
    "com.amazonaws.",
    "software.amazon.awssdk.",
    "java.net.",
    "java.lang.OutOfMemoryError",
    "InterruptedException",
    "CommunicationsException",
    "java.sql.SQLTransientConnectionException",
    "java.sql.SQLNonTransientConnectionException",
)


def exception_chain(err):
    """`Class: message` of the error and each of its causes: the Java exception's chain for a Py4J error."""
    lines = []
    java = getattr(err, "java_exception", None)
    seen = 0
    while java is not None and seen < 20:
        get_class, get_cause = getattr(java, "getClass", None), getattr(java, "getCause", None)
        name = get_class().getName() if get_class is not None else type(java).__name__
        lines.append("%s: %s" % (name, java.getMessage() if hasattr(java, "getMessage") else java.toString()))
        java = get_cause() if get_cause is not None else None
        seen += 1
    return lines or ["%s: %s" % (type(err).__name__, err)]


def is_transient(err):
    """Whether a table's failure names a transient cause anywhere in its chain (see TRANSIENT_MARKERS)."""
    text = "\n".join(exception_chain(err))
    return any(marker in text for marker in TRANSIENT_MARKERS)


def needs_mysql(manifest):
    return any(t.get("mysql") is not None for t in manifest["tables"])


def run_steps(steps, engine):
    """Runs steps through `engine`, an object with spark(sql), spark_log(sql), mysql(sql), mysql_copy(stage),
    mysql_transaction(sqls). Returns what spark_log returned (the batch's counts per action), or None."""
    summary = None
    for kind, payload in steps:
        if kind == "spark":
            for sql in payload:
                engine.spark(sql)
        elif kind == "spark-log":
            summary = engine.spark_log(payload)
        elif kind == "mysql":
            for sql in payload:
                engine.mysql(sql)
        elif kind == "spark-evolve":
            run_schema_statements(payload, engine.spark, engine.spark_columns)
        elif kind == "mysql-evolve":
            run_schema_statements(payload, engine.mysql, engine.mysql_columns)
        elif kind == "mysql-copy":
            engine.mysql_copy(payload)
        elif kind == "mysql-transaction":
            engine.mysql_transaction(payload)
        else:
            raise ManifestError("unknown step %r" % (kind,))
    return summary


def run_schema_statements(statements, execute, columns):
    """Runs a table's schema changes (handlers/core/plan/schema-change.ts). One with `unless` is skipped when its probe
    lists that name already (a column it adds, a backup table it makes): a re-run of the manifest must not do it twice.
    The names are the probe's first column, or its column `field`."""
    for statement in statements:
        unless = statement.get("unless")
        if unless and unless["column"].lower() in [str(c).lower() for c in columns(unless["probe"], unless.get("field"))]:
            print("cdc apply: %s is there already; skipped: %s" % (unless["column"], statement["sql"]))
            continue
        execute(statement["sql"])


def engine_failure_types():
    """Errors Spark and the JDBC driver raise for a statement they reject (or data they cannot read): a table's failure.
    Imported here so the helpers stay testable without PySpark."""
    from py4j.protocol import Py4JJavaError
    from pyspark.errors import PySparkException

    return (Py4JJavaError, PySparkException)


class GlueEngine(object):
    """Spark session plus one JDBC connection (through the JVM) to the MySQL target.

    `table_failures` are the errors that fail one table rather than the run (see the module's comment)."""

    @property
    def table_failures(self):
        return engine_failure_types()

    def __init__(self, spark, jdbc):
        self.spark_session = spark
        self.jdbc = jdbc
        self.connection = None
        if jdbc is not None:
            driver = spark.sparkContext._jvm.java.sql.DriverManager
            self.connection = driver.getConnection(target_jdbc_url(jdbc["url"]), jdbc["user"], jdbc["password"])

    def spark(self, sql):
        self.spark_session.sql(sql)

    def spark_columns(self, probe, field=None):
        return [row[field] if field else row[0] for row in self.spark_session.sql(probe).collect()]

    def mysql_columns(self, probe, field=None):
        statement = self.connection.createStatement()
        try:
            result = statement.executeQuery(probe)
            names = []
            while result.next():
                names.append(result.getString(field or 1))
            return names
        finally:
            statement.close()

    def spark_log(self, sql):
        counts = {}
        for row in self.spark_session.sql(sql).collect():
            print("cdc apply: %s %s" % (row[0], row[1]))
            counts[row[0]] = int(row[1])
        return counts

    def mysql(self, sql):
        statement = self.connection.createStatement()
        try:
            statement.execute(sql)
        finally:
            statement.close()

    def mysql_copy(self, stage):
        frame = self.spark_session.table(stage["fromView"])
        kinds = dict(frame.dtypes)
        frame = frame.selectExpr(*[copy_column(c, kinds.get(c, "")) for c in stage["columns"]])
        props = {"user": self.jdbc["user"], "password": self.jdbc["password"], "driver": "com.mysql.cj.jdbc.Driver"}
        frame.write.jdbc(target_jdbc_url(self.jdbc["url"]), stage["table"], mode="append", properties=props)

    def close(self):
        if self.connection is not None:
            self.connection.close()

    def mysql_transaction(self, sqls):
        self.connection.setAutoCommit(False)
        try:
            for sql in sqls:
                self.mysql(sql)
            self.connection.commit()
        except Exception:
            self.connection.rollback()
            raise
        finally:
            self.connection.setAutoCommit(True)


def read_manifest(s3, manifest_uri, expected_sha256):
    """The manifest at `manifest_uri`, refused unless its bytes hash to `expected_sha256` (see the module's comment)."""
    bucket, key = split_s3_uri(manifest_uri)
    body = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    actual = hashlib.sha256(body).hexdigest()
    if not expected_sha256 or actual != str(expected_sha256).lower():
        raise ManifestError(
            "%s: SHA-256 %s differs from the %s the poller passed (--manifest_sha256); refusing to run it"
            % (manifest_uri, actual, expected_sha256 or "(none)")
        )
    return load_manifest(body.decode("utf-8"))


def unquote_etag(etag):
    return (etag or "").strip('"')


def check_file_versions(s3, table):
    """HEADs every file of the table; raises FileVersionError naming the first whose ETag is not the pinned one."""
    for uri, etag in zip(table["files"], table["etags"]):
        bucket, key = split_s3_uri(uri)
        try:
            current = unquote_etag(s3.head_object(Bucket=bucket, Key=key).get("ETag"))
        except Exception as err:  # noqa: BLE001 - a missing or unreadable file is a version mismatch too
            raise FileVersionError("%s: expected ETag %s, cannot read it: %s" % (uri, etag, failure_text(err)))
        if current != unquote_etag(etag):
            raise FileVersionError(
                "%s: expected ETag %s (the version the poller planned), found %s: the file was replaced" % (uri, etag, current)
            )


def run_manifest(spark, s3, manifest, jdbc, engine_class=GlueEngine):
    """Applies every table of `manifest` in order, then writes its `.done` marker with each table's outcome. A table
    whose statements fail (an error of the engine's `table_failures`) is recorded as failed and the next table goes on;
    any other error fails the run. `jdbc` ({url, user, password}) is required when a table has MySQL statements.
    Returns each table's outcome in manifest order: {table, status, counts per action[, error]}."""
    if needs_mysql(manifest) and jdbc is None:
        raise ManifestError("manifest has MySQL statements but the job has no --mysql_connection")
    configure_session(spark)
    engine = engine_class(spark, jdbc if needs_mysql(manifest) else None)
    failures = tuple(getattr(engine, "table_failures", ())) + (FileVersionError,)
    results = []
    try:
        for table in manifest["tables"]:
            print("cdc apply: %s, %d files" % (table["table"], len(table["files"])))
            try:
                check_file_versions(s3, table)
                counts = run_steps(table_steps(table), engine) or {}
                results.append({"table": table["table"], "status": "applied", "counts": counts})
            except failures as err:
                # MySQL's transaction rolled back; each Iceberg MERGE commits whole, but the tombstones' may have
                # committed before the target's failed. The table is held until resumed, and its files are applied
                # again then, which the plan makes harmless for anything that did commit (the Spark proof kills runs
                # at each of these points).
                print("cdc apply: %s failed: %s" % (table["table"], failure_text(err)))
                failed = {"table": table["table"], "status": "failed", "counts": {}, "error": failure_text(err)}
                if is_transient(err):
                    failed["transient"] = True
                results.append(failed)
            finally:
                drop_relations(table, engine)
    finally:
        engine.close()
    done_bucket, done_key = split_s3_uri(manifest["doneUri"])
    outcome = {
        "runId": manifest["runId"],
        "tables": [{k: r[k] for k in ("table", "status", "error", "transient") if k in r} for r in results],
    }
    s3.put_object(Bucket=done_bucket, Key=done_key, Body=json.dumps(outcome).encode("utf-8"))
    return results


def main(argv):
    # Glue provides these; imported here so the helpers above stay testable without PySpark.
    import boto3
    from awsglue.context import GlueContext
    from pyspark.context import SparkContext

    args = parse_args(argv)
    s3 = boto3.client("s3")
    manifest = read_manifest(s3, args["manifest"], args["manifest_sha256"])
    glue = GlueContext(SparkContext.getOrCreate())
    jdbc = None
    if needs_mysql(manifest):
        if "mysql_connection" not in args:
            raise ManifestError("manifest has MySQL statements but the job has no --mysql_connection")
        conf = glue.extract_jdbc_conf(args["mysql_connection"])
        jdbc = {"url": conf.get("fullUrl") or conf["url"], "user": conf["user"], "password": conf["password"]}
    run_manifest(glue.spark_session, s3, manifest, jdbc)


if __name__ == "__main__":
    main(sys.argv)
