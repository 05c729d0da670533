"""A local stand-in for the Glue 5.0 job environment, driven over stdin/stdout by src/local/spark/spark-session.ts.

One process holds one SparkSession (Spark 3.5.4, Iceberg 1.7.1, Java 17, as Glue 5.0) for as long as its user needs it:
starting Spark costs seconds, an apply costs far less. The session is configured like the deployed job
(components/glue-target.ts `icebergConf`), with two stand-ins and nothing else:
- `glue_catalog` is a local Iceberg Hadoop catalog under --warehouse instead of the Glue Data Catalog;
- `s3://` is Hadoop's S3A client pointed at the local S3 emulator (moto), where Glue uses EMRFS on S3.
Manifests then run through handlers/glue/apply_changes.py's `run_manifest`, the code the Glue job runs.

Protocol: one JSON request per line on stdin, one JSON reply per line on stdout ({"ok": true, ...} or
{"ok": false, "error": "..."}); Spark's own output goes to stderr. Requests:
  {"op": "apply", "manifest": "s3://b/k.json", "manifestSha256": "<hex>", "jdbc": {url, user, password} | null,
   "failAfter": {...} | null}   (the manifest's bytes must hash to manifestSha256, as the job's --manifest_sha256)
  {"op": "query", "sql": "..."}   rows as JSON-safe values (see json_cell)
  {"op": "sql", "sql": "..."}     runs a statement
  {"op": "export", "sql": "...", "path": "/x.parquet"}   the query's rows as one Parquet file
  {"op": "job", "script": "validate_large_file", "argv": [...]}   another Glue script's run_job (see run_job)
  {"op": "stop"}
`failAfter` {"table": i, "commit": "mysql" | "tombstones" | "iceberg"} raises right after that commit of table i (see
run_with_failure): the tests inject a failure between two commits of one run, then run the manifest again.
"""

import argparse
import base64
import datetime
import decimal
import glob
import json
import os
import sys
import tempfile
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "handlers", "glue"))

import apply_changes  # noqa: E402


class InjectedFailure(RuntimeError):
    """Raised where a test asked for a failure."""


# The driver's clock in UTC; a JVM crash report goes to the temporary directory, not the caller's working tree.
JVM_OPTIONS = "-Duser.timezone=UTC -XX:ErrorFile=%s" % os.path.join(tempfile.gettempdir(), "cdc-spark-hs_err_pid%p.log")


def small_batches(cores):
    """Tests, replay, local mode: batches of a few rows, where Spark's fixed costs dominate. Interpreted execution and
    the C1 compiler only (no whole-stage code generation to compile per query), one shuffle partition per core, no
    adaptive re-planning, no Iceberg write shuffle: about twice as fast on two cores, and the same results."""
    return {
        "spark.sql.codegen.wholeStage": "false",
        "spark.driver.extraJavaOptions": JVM_OPTIONS + " -XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
        "spark.sql.shuffle.partitions": str(cores),
        "spark.default.parallelism": str(cores),
        "spark.sql.adaptive.enabled": "false",
        "spark.sql.iceberg.distribution-mode": "none",
    }


def large_batches(cores):
    """The benchmark: Spark's own defaults, as on Glue, with shuffles sized for the local cores."""
    return {
        "spark.driver.extraJavaOptions": JVM_OPTIONS,
        "spark.driver.memory": os.environ.get("CDC_SPARK_DRIVER_MEMORY", "8g"),
        "spark.sql.shuffle.partitions": str(4 * cores),
    }


PROFILES = {"small": small_batches, "large": large_batches}


def build_session(warehouse, s3_endpoint, jars, cores, profile="small"):
    from pyspark.sql import SparkSession

    conf = {
        "spark.jars": ",".join(jars),
        # On the driver's own class path too: the runner opens its MySQL connection through java.sql.DriverManager,
        # which only sees drivers of the system class loader (as on Glue, where Connector/J is on the class path).
        "spark.driver.extraClassPath": os.pathsep.join(jars),
        "spark.sql.extensions": "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions",
        "spark.sql.catalog.glue_catalog": "org.apache.iceberg.spark.SparkCatalog",
        "spark.sql.catalog.glue_catalog.type": "hadoop",
        "spark.sql.catalog.glue_catalog.warehouse": warehouse,
        "spark.hadoop.fs.s3.impl": "org.apache.hadoop.fs.s3a.S3AFileSystem",
        "spark.hadoop.fs.s3a.endpoint": s3_endpoint or "",
        "spark.hadoop.fs.s3a.path.style.access": "true",
        "spark.hadoop.fs.s3a.connection.ssl.enabled": "false",
        "spark.hadoop.fs.s3a.aws.credentials.provider": "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
        "spark.hadoop.fs.s3a.access.key": os.environ.get("AWS_ACCESS_KEY_ID", "testing"),
        "spark.hadoop.fs.s3a.secret.key": os.environ.get("AWS_SECRET_ACCESS_KEY", "testing"),
        "spark.hadoop.fs.s3a.change.detection.mode": "none",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        # Loopback only: the machine's own name may not resolve quickly, and nothing here leaves it.
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
    }
    conf.update(PROFILES[profile](cores))
    conf.update(json.loads(os.environ.get("CDC_SPARK_CONF") or "{}"))
    builder = SparkSession.builder.master("local[%d]" % cores).appName("cdc-glue-local")
    for name, value in conf.items():
        builder = builder.config(name, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    apply_changes.configure_session(spark)
    return spark


def json_cell(value):
    """A cell as JSON carries it without loss: decimals and big integers as strings, binary as base64, times in ISO."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if abs(value) < 2**53 else str(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return {"base64": base64.b64encode(bytes(value)).decode("ascii")}
    if isinstance(value, datetime.datetime):
        # Session time zone is UTC; a naive value is a local-date-time (timestamp_ntz) and stays as written.
        return value.isoformat(sep=" ")
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return str(value)


class TracingEngine(apply_changes.GlueEngine):
    """GlueEngine that prints each statement's time to stderr (CDC_SPARK_TRACE=1)."""

    def spark(self, sql):
        started = time.time()
        super().spark(sql)
        print("trace %.3fs spark %s" % (time.time() - started, sql[:160]), file=sys.stderr)

    def mysql(self, sql):
        started = time.time()
        super().mysql(sql)
        print("trace %.3fs mysql %s" % (time.time() - started, sql[:160]), file=sys.stderr)

    def mysql_copy(self, stage):
        started = time.time()
        super().mysql_copy(stage)
        print("trace %.3fs copy %s" % (time.time() - started, stage["table"]), file=sys.stderr)


def fresh_session(spark):
    """What a new Glue job run starts with: no temporary views, nothing cached (the catalog's tables stay)."""
    for table in spark.catalog.listTables():
        if table.isTemporary:
            spark.catalog.dropTempView(table.name)
    spark.catalog.clearCache()


def apply(spark, s3, request):
    fresh_session(spark)
    manifest = apply_changes.read_manifest(s3, request["manifest"], request.get("manifestSha256"))
    fail = request.get("failAfter")
    if fail is None:
        engine = TracingEngine if os.environ.get("CDC_SPARK_TRACE") else apply_changes.GlueEngine
        return apply_changes.run_manifest(spark, s3, manifest, request.get("jdbc"), engine_class=engine)
    return run_with_failure(spark, s3, manifest, request.get("jdbc"), fail["table"], fail["commit"])


def run_with_failure(spark, s3, manifest, jdbc, table_index, commit):
    """Runs the manifest and raises right after table `table_index` committed to "mysql" (its Iceberg merges not yet
    run), to "tombstones" (its first Iceberg MERGE, the tombstones', committed; the target's not run) or to "iceberg"
    (the table is done, the next one not started): the places where a run can stop with part of its work committed.
    The `.done` marker is then never written, as when a Glue run dies there."""
    reached = {"table": -1, "merges": 0}

    class Engine(apply_changes.GlueEngine):
        def mysql_transaction(self, sqls):
            super().mysql_transaction(sqls)
            if commit == "mysql" and reached["table"] == table_index:
                raise InjectedFailure("injected failure after the MySQL commit of table %d" % table_index)

        def spark(self, sql):
            super().spark(sql)
            if commit == "tombstones" and reached["table"] == table_index and sql.lstrip().upper().startswith("MERGE"):
                reached["merges"] += 1
                if reached["merges"] == 1:
                    raise InjectedFailure("injected failure after the first Iceberg commit of table %d" % table_index)

    original = apply_changes.run_steps

    def run_steps(steps, engine):
        reached["table"] += 1
        result = original(steps, engine)
        if commit == "iceberg" and reached["table"] == table_index:
            raise InjectedFailure("injected failure after the Iceberg commit of table %d" % table_index)
        return result

    apply_changes.run_steps = run_steps
    try:
        return apply_changes.run_manifest(spark, s3, manifest, jdbc, engine_class=Engine)
    finally:
        apply_changes.run_steps = original


def export(spark, sql, path):
    """Writes the rows of `sql` (in its order) as one Parquet file at `path`; returns the row count. Spark writes a
    directory of part files: one partition gives one part, which is moved to `path`."""
    import shutil

    frame = spark.sql(sql).coalesce(1)
    tmp = path + ".spark-tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    frame.write.option("compression", "zstd").parquet(tmp)
    parts = sorted(glob.glob(os.path.join(tmp, "part-*.parquet")))
    if len(parts) != 1:
        raise RuntimeError("expected one part file from Spark in %s, found %d" % (tmp, len(parts)))
    os.replace(parts[0], path)
    shutil.rmtree(tmp, ignore_errors=True)
    return spark.read.parquet(path).count()


def run_job(spark, script, argv, aws):
    """Runs another Glue script of handlers/glue/ the way Glue would, with this session: its `run_job(spark, argv, aws)`
    is what its `main` calls after Glue's own set-up; `aws` holds the boto3 client settings (the local emulator)."""
    import importlib

    if script not in ("validate_large_file",):
        raise ValueError("unknown Glue script %r" % (script,))
    return importlib.import_module(script).run_job(spark, argv, aws)


def serve(spark, s3, stdin, stdout, aws):
    for line in stdin:
        if not line.strip():
            continue
        try:
            request = json.loads(line)
            op = request.get("op")
            if op == "stop":
                reply = {"ok": True}
            elif op == "apply":
                started = time.time()
                reply = {"ok": True, "tables": apply(spark, s3, request), "seconds": round(time.time() - started, 3)}
            elif op == "query":
                frame = spark.sql(request["sql"])
                reply = {
                    "ok": True,
                    "columns": frame.columns,
                    "rows": [[json_cell(v) for v in row] for row in frame.collect()],
                }
            elif op == "job":
                reply = {"ok": True, "result": run_job(spark, request["script"], request["argv"], aws)}
            elif op == "export":
                reply = {"ok": True, "rows": export(spark, request["sql"], request["path"])}
            elif op == "sql":
                spark.sql(request["sql"])
                reply = {"ok": True}
            else:
                reply = {"ok": False, "error": "unknown op %r" % (op,)}
        except Exception as err:  # noqa: BLE001 - every failure goes back to the caller, the session stays up
            traceback.print_exc(file=sys.stderr)
            reply = {"ok": False, "error": "%s: %s" % (type(err).__name__, first_line(err)), "kind": type(err).__name__}
        stdout.write(json.dumps(reply) + "\n")
        stdout.flush()
        if request.get("op") == "stop":
            return


def first_line(err):
    java = getattr(err, "java_exception", None)
    if java is not None:
        return str(java.toString()).strip().splitlines()[0]
    text = str(err).strip()
    # Py4J errors carry the whole Java stack; the first line names the problem.
    return text.splitlines()[0] if text else repr(err)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", required=True)
    parser.add_argument("--s3-endpoint", default="")
    parser.add_argument("--jars", required=True, help="directory of the jars to load")
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--profile", choices=sorted(PROFILES), default="small")
    args = parser.parse_args()
    import boto3

    jars = sorted(glob.glob(os.path.join(args.jars, "*.jar")))
    # Replies go to the real stdout only; everything else printed (the runner's progress) goes to stderr.
    out = sys.stdout
    sys.stdout = sys.stderr
    spark = build_session(args.warehouse, args.s3_endpoint, jars, args.cores, args.profile)
    aws = {"endpoint_url": args.s3_endpoint or None, "region_name": os.environ.get("AWS_DEFAULT_REGION", "us-east-1")}
    s3 = boto3.client("s3", **aws)
    out.write(json.dumps({"ok": True, "ready": True, "spark": spark.version}) + "\n")
    out.flush()
    serve(spark, s3, sys.stdin, out, aws)
    spark.stop()


if __name__ == "__main__":
    main()
