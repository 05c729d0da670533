"""Stdlib unittest of the Glue runner's helpers (PySpark is not needed: it is imported inside main only).

Run from tests/handlers/glue/apply_changes.test.ts, which passes a manifest built by the TypeScript plan core in
CDC_MANIFEST_FIXTURE so the runner is checked against the real format.
"""

import hashlib
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "handlers", "glue"))

import apply_changes  # noqa: E402


def fixture():
    with open(os.environ["CDC_MANIFEST_FIXTURE"], encoding="utf-8") as f:
        return f.read()


class RecordingEngine(object):
    def __init__(self):
        self.calls = []

    def spark(self, sql):
        self.calls.append(("spark", sql))

    def spark_log(self, sql):
        self.calls.append(("spark-log", sql))

    def mysql(self, sql):
        self.calls.append(("mysql", sql))

    def mysql_copy(self, stage):
        self.calls.append(("mysql-copy", stage["fromView"], stage["table"]))

    def mysql_transaction(self, sqls):
        self.calls.append(("mysql-transaction", list(sqls)))


class SchemaChangeStepsTest(unittest.TestCase):
    """Schema changes (manifest `evolve`) run after create and before the batch is read; an ADD whose column the
    probe lists already is skipped, so a re-run of the manifest adds nothing twice."""

    def table(self):
        add = {"sql": "ALTER TABLE t ADD COLUMNS (note string)", "unless": {"probe": "DESCRIBE TABLE t", "column": "Note"}}
        return {
            "table": "dbo.t",
            "spark": {
                "create": ["CREATE t"], "evolve": [add, {"sql": "ALTER TABLE t ALTER COLUMN id TYPE bigint"}],
                "load": ["LOAD"], "dedupe": ["DEDUPE"], "guard": [], "summary": "S", "merge": [], "expire": [], "cleanup": [],
            },
            "mysql": {
                "create": ["CREATE m"], "evolve": [{"sql": "ALTER TABLE m ADD COLUMN note TEXT", "unless": {"probe": "P", "column": "note"}}],
                "load": ["TRUNCATE"], "stage": {"fromView": "v", "table": "m__staging", "columns": ["id"]}, "apply": ["A"],
            },
        }

    def engine(self, spark_columns, mysql_columns):
        engine = RecordingEngine()
        engine.spark_columns = lambda probe, field=None: (engine.calls.append(("probe", probe)), spark_columns)[1]
        engine.mysql_columns = lambda probe, field=None: (engine.calls.append(("probe", probe)), mysql_columns)[1]
        return engine

    def test_runs_the_changes_between_create_and_the_read(self):
        engine = self.engine(["id", "# Partitioning"], ["id"])
        apply_changes.run_steps(apply_changes.table_steps(self.table()), engine)
        self.assertEqual(
            engine.calls[:9],
            [
                ("spark", "CREATE t"),
                ("probe", "DESCRIBE TABLE t"),
                ("spark", "ALTER TABLE t ADD COLUMNS (note string)"),
                ("spark", "ALTER TABLE t ALTER COLUMN id TYPE bigint"),
                ("spark", "LOAD"),
                ("spark", "DEDUPE"),
                ("mysql", "CREATE m"),
                ("probe", "P"),
                ("mysql", "ALTER TABLE m ADD COLUMN note TEXT"),
            ],
        )

    def test_skips_an_add_whose_column_is_there_whatever_its_case(self):
        engine = self.engine(["id", "note"], ["ID", "NOTE"])
        apply_changes.run_steps(apply_changes.table_steps(self.table()), engine)
        ran = [c[1] for c in engine.calls if c[0] in ("spark", "mysql")]
        self.assertNotIn("ALTER TABLE t ADD COLUMNS (note string)", ran)
        self.assertNotIn("ALTER TABLE m ADD COLUMN note TEXT", ran)
        self.assertIn("ALTER TABLE t ALTER COLUMN id TYPE bigint", ran)


class ParseArgsTest(unittest.TestCase):
    def test_reads_glue_style_arguments(self):
        args = apply_changes.parse_args(
            ["job.py", "--JOB_NAME", "x", "--manifest", "s3://b/m.json", "--manifest_sha256", "ab", "--mysql_connection", "c"]
        )
        self.assertEqual(args, {"JOB_NAME": "x", "manifest": "s3://b/m.json", "manifest_sha256": "ab", "mysql_connection": "c"})

    def test_a_flag_without_a_value_takes_nothing_from_the_next_argument(self):
        # Glue passes some flags of its own bare; `--enable-metrics --manifest x` must not read "--manifest" as a value.
        args = apply_changes.parse_args(["job.py", "--enable-metrics", "--manifest", "s3://b/m.json", "--manifest_sha256", "ab", "--verbose"])
        self.assertEqual(args, {"enable-metrics": "true", "manifest": "s3://b/m.json", "manifest_sha256": "ab", "verbose": "true"})
        with self.assertRaisesRegex(apply_changes.ManifestError, "--manifest"):
            apply_changes.parse_args(["job.py", "--manifest", "--enable-metrics"])

    def test_requires_the_manifest(self):
        with self.assertRaisesRegex(apply_changes.ManifestError, "--manifest"):
            apply_changes.parse_args(["job.py", "--JOB_NAME", "x"])

    def test_requires_the_manifest_s_hash(self):
        with self.assertRaisesRegex(apply_changes.ManifestError, "missing job argument --manifest_sha256"):
            apply_changes.parse_args(["job.py", "--manifest", "s3://b/m.json"])


class S3UriTest(unittest.TestCase):
    def test_splits_bucket_and_key(self):
        self.assertEqual(apply_changes.split_s3_uri("s3://bucket/runs/a b.json"), ("bucket", "runs/a b.json"))

    def test_refuses_other_uris(self):
        for uri in ("bucket/key", "s3://bucket", "s3:///key", "s3://bucket/"):
            with self.assertRaises(apply_changes.ManifestError):
                apply_changes.split_s3_uri(uri)


class JdbcUrlTest(unittest.TestCase):
    def test_adds_batched_inserts_tls_and_strict_mode_unless_the_url_sets_them(self):
        added = "rewriteBatchedStatements=true&sslMode=REQUIRED&sessionVariables=sql_mode=STRICT_ALL_TABLES"
        self.assertEqual(apply_changes.target_jdbc_url("jdbc:mysql://h:3306/db"), "jdbc:mysql://h:3306/db?" + added)
        self.assertEqual(apply_changes.target_jdbc_url("jdbc:mysql://h/db?connectTimeout=5000"), "jdbc:mysql://h/db?connectTimeout=5000&" + added)
        # What the Glue connection's URL sets stays as it is.
        url = "jdbc:mysql://h/db?rewriteBatchedStatements=false&sslMode=VERIFY_IDENTITY&sessionVariables=sql_mode=TRADITIONAL"
        self.assertEqual(apply_changes.target_jdbc_url(url), url)


class ColumnReferenceTest(unittest.TestCase):
    def test_quotes_so_spark_reads_the_name_literally(self):
        # Unquoted, DataFrame.select("a.b") reads a field b of a struct a, and a backtick starts a quoted part.
        self.assertEqual(apply_changes.column_reference("a.b"), "`a.b`")
        self.assertEqual(apply_changes.column_reference('line`no"te'), '`line``no"te`')
        self.assertEqual(apply_changes.column_reference("Order Date"), "`Order Date`")


class CopyColumnTest(unittest.TestCase):
    def test_dates_and_timestamps_travel_to_mysql_as_text(self):
        # As java.sql.Date a 1582-10-10 would arrive as 1582-10-15 (the JVM's hybrid calendar has no such day).
        self.assertEqual(apply_changes.copy_column("day", "date"), "CAST(`day` AS STRING) AS `day`")
        self.assertEqual(apply_changes.copy_column("a`t", "timestamp_ntz"), "CAST(`a``t` AS STRING) AS `a``t`")
        self.assertEqual(apply_changes.copy_column("at", "timestamp"), "CAST(`at` AS STRING) AS `at`")
        self.assertEqual(apply_changes.copy_column("n", "decimal(38,10)"), "`n`")


class ManifestTest(unittest.TestCase):
    def test_accepts_the_manifest_the_plan_core_builds(self):
        manifest = apply_changes.load_manifest(fixture())
        self.assertEqual([t["table"] for t in manifest["tables"]], ["dbo.Orders", "audit.events"])
        self.assertTrue(apply_changes.needs_mysql(manifest))

    def test_names_the_missing_field(self):
        manifest = json.loads(fixture())
        del manifest["tables"][1]["spark"]["merge"]
        with self.assertRaisesRegex(apply_changes.ManifestError, r"manifest.tables\[1\].spark.merge: missing"):
            apply_changes.load_manifest(json.dumps(manifest))

    def test_refuses_another_version_and_non_json(self):
        manifest = json.loads(fixture())
        manifest["version"] = 2
        with self.assertRaisesRegex(apply_changes.ManifestError, "manifest.version"):
            apply_changes.load_manifest(json.dumps(manifest))
        with self.assertRaisesRegex(apply_changes.ManifestError, "not JSON"):
            apply_changes.load_manifest("{")


class StepsTest(unittest.TestCase):
    def test_runs_every_statement_once_mysql_between_dedupe_and_merge(self):
        manifest = apply_changes.load_manifest(fixture())
        table = manifest["tables"][0]
        engine = RecordingEngine()
        apply_changes.run_steps(apply_changes.table_steps(table), engine)
        spark, mysql = table["spark"], table["mysql"]
        expected = (
            [("spark", s) for s in spark["create"] + spark["load"] + spark["dedupe"]]
            + [("mysql", s) for s in mysql["create"] + mysql["load"]]
            + [("mysql-copy", mysql["stage"]["fromView"], mysql["stage"]["table"]), ("mysql-transaction", mysql["apply"])]
            + [("spark", s) for s in spark["expire"] + spark["guard"]]
            + [("spark-log", spark["summary"])]
            + [("spark", s) for s in spark["merge"]]
        )
        self.assertEqual(engine.calls, expected)

    def test_skips_mysql_when_the_target_has_none(self):
        table = json.loads(fixture())["tables"][0]
        del table["mysql"]
        engine = RecordingEngine()
        apply_changes.run_steps(apply_changes.table_steps(table), engine)
        self.assertEqual({c[0] for c in engine.calls}, {"spark", "spark-log"})


class StatementRejected(Exception):
    """Stands in for what Spark or the JDBC driver raises when it rejects a statement."""


class FakeConf(object):
    def set(self, name, value):
        pass


class FakeSpark(object):
    conf = FakeConf()


class FakeS3(object):
    """Records put objects; HEADs answer each file of `manifest` with the ETag it pins unless `etags` says otherwise."""

    def __init__(self, manifest=None, etags=None, stored=None):
        self.objects = {}
        self.etags = {}
        self.stored = stored or {}
        for table in (manifest or {}).get("tables", []):
            for uri, etag in zip(table["files"], table["etags"]):
                self.etags[uri] = '"%s"' % etag
        self.etags.update(etags or {})

    def put_object(self, Bucket, Key, Body):  # noqa: N803 - boto3's argument names
        self.objects[(Bucket, Key)] = json.loads(Body.decode("utf-8"))

    def head_object(self, Bucket, Key):  # noqa: N803
        return {"ETag": self.etags["s3://%s/%s" % (Bucket, Key)]}

    def get_object(self, Bucket, Key):  # noqa: N803
        body = self.stored[(Bucket, Key)]

        class Body(object):
            def read(self):
                return body

        return {"Body": Body()}


def failing_engine(table_failures, fail_on, error):
    """An engine whose statements of the table `fail_on` raise `error` (at its MySQL transaction)."""

    class Engine(RecordingEngine):
        def __init__(self, spark, jdbc):
            RecordingEngine.__init__(self)
            self.table_failures = table_failures
            self.closed = False

        def mysql_transaction(self, sqls):
            if any(fail_on in sql for sql in sqls):
                raise error
            RecordingEngine.mysql_transaction(self, sqls)

        def close(self):
            self.closed = True

    return Engine


class PerTableFailureTest(unittest.TestCase):
    JDBC = {"url": "jdbc:mysql://h/db", "user": "u", "password": "p"}

    def run_it(self, engine_class):
        manifest = apply_changes.load_manifest(fixture())
        s3 = FakeS3(manifest)
        return manifest, s3, apply_changes.run_manifest(FakeSpark(), s3, manifest, self.JDBC, engine_class=engine_class)

    def test_a_failing_table_is_recorded_and_the_next_table_still_applies(self):
        engine = failing_engine((StatementRejected,), "dbo__orders", StatementRejected("Data too long for column 'name'\n\tat x"))
        manifest, s3, results = self.run_it(engine)
        self.assertEqual(
            [(r["table"], r["status"], r.get("error")) for r in results],
            [("dbo.Orders", "failed", "Data too long for column 'name'"), ("audit.events", "applied", None)],
        )
        # The marker says the run is over and carries each table's outcome, for the poller to hold the failed one.
        bucket, key = apply_changes.split_s3_uri(manifest["doneUri"])
        self.assertEqual(
            s3.objects[(bucket, key)],
            {
                "runId": manifest["runId"],
                "tables": [
                    {"table": "dbo.Orders", "status": "failed", "error": "Data too long for column 'name'"},
                    {"table": "audit.events", "status": "applied"},
                ],
            },
        )

    def test_the_failed_table_s_session_relations_are_dropped_before_the_next_table(self):
        created = []

        class Engine(failing_engine((StatementRejected,), "dbo__orders", StatementRejected("no"))):
            def spark(self, sql):
                created.append(sql)

        manifest, _, _ = self.run_it(Engine)
        for sql in manifest["tables"][0]["spark"]["cleanup"]:
            self.assertIn(sql, created)
        self.assertLess(created.index(manifest["tables"][0]["spark"]["cleanup"][-1]), created.index(manifest["tables"][1]["spark"]["create"][0]))

    def test_any_other_error_fails_the_run_and_writes_no_marker(self):
        # A bug, a lost session or an injected crash is not the table's fault: the poller runs the manifest again.
        engine = failing_engine((StatementRejected,), "dbo__orders", RuntimeError("session lost"))
        manifest = apply_changes.load_manifest(fixture())
        s3 = FakeS3(manifest)
        with self.assertRaisesRegex(RuntimeError, "session lost"):
            apply_changes.run_manifest(FakeSpark(), s3, manifest, self.JDBC, engine_class=engine)
        self.assertEqual(s3.objects, {})

    def test_an_error_s_first_line_is_kept_java_s_when_there_is_one(self):
        class JavaException(object):
            def toString(self):  # noqa: N802 - Py4J's name
                return "java.sql.SQLException: Incorrect decimal value\n\tat com.mysql.cj.jdbc..."

        err = StatementRejected("An error occurred while calling o12.execute.\n: java.sql...")
        err.java_exception = JavaException()
        self.assertEqual(apply_changes.failure_text(err), "java.sql.SQLException: Incorrect decimal value")
        self.assertEqual(apply_changes.failure_text(StatementRejected("x" * 5000)), "x" * 2000)


class JavaError(object):
    """A Py4J `java_exception`: class name, message and cause, as the JVM answers them."""

    def __init__(self, name, message, cause=None):
        self.name, self.message, self.cause = name, message, cause

    def getClass(self):  # noqa: N802 - Py4J's names
        name = self.name

        class Class(object):
            def getName(self):  # noqa: N802
                return name

        return Class()

    def getMessage(self):  # noqa: N802
        return self.message

    def getCause(self):  # noqa: N802
        return self.cause

    def toString(self):  # noqa: N802
        return "%s: %s\n\tat somewhere" % (self.name, self.message)


def java_error(*chain):
    """A StatementRejected carrying the Java exception chain [(class, message), ...], outermost first."""
    cause = None
    for name, message in reversed(chain):
        cause = JavaError(name, message, cause)
    err = StatementRejected("An error occurred while calling o1.sql.")
    err.java_exception = cause
    return err


class TransientFailureTest(unittest.TestCase):
    def test_the_deepest_cause_follows_the_first_line(self):
        err = java_error(
            ("org.apache.spark.SparkException", "Encountered error while reading file s3://h/dbo/T/x.parquet. Details:"),
            ("org.apache.parquet.io.ParquetDecodingException", "Can not read value at 0 in block -1"),
        )
        self.assertEqual(
            apply_changes.failure_text(err),
            "org.apache.spark.SparkException: Encountered error while reading file s3://h/dbo/T/x.parquet. Details: "
            "[cause: org.apache.parquet.io.ParquetDecodingException: Can not read value at 0 in block -1]",
        )
        self.assertFalse(apply_changes.is_transient(err))

    def test_network_memory_and_lost_connections_are_transient_anywhere_in_the_chain(self):
        for cause in (
            ("java.net.SocketTimeoutException", "Read timed out"),
            ("org.apache.hadoop.fs.s3a.AWSClientIOException", "getObject"),
            ("java.lang.OutOfMemoryError", "Java heap space"),
            ("com.mysql.cj.jdbc.exceptions.CommunicationsException", "Communications link failure"),
        ):
            self.assertTrue(apply_changes.is_transient(java_error(("org.apache.spark.SparkException", "Job aborted"), cause)), cause)
        self.assertFalse(apply_changes.is_transient(java_error(("java.sql.SQLDataException", "Data too long for column 'x'"))))
        self.assertFalse(apply_changes.is_transient(StatementRejected("no")))

    def test_a_transient_table_failure_is_marked_so_in_the_marker(self):
        lost = java_error(("java.sql.SQLException", "x"), ("com.mysql.cj.jdbc.exceptions.CommunicationsException", "link failure"))
        engine = failing_engine((StatementRejected,), "dbo__orders", lost)
        manifest = apply_changes.load_manifest(fixture())
        s3 = FakeS3(manifest)
        apply_changes.run_manifest(FakeSpark(), s3, manifest, PerTableFailureTest.JDBC, engine_class=engine)
        bucket, key = apply_changes.split_s3_uri(manifest["doneUri"])
        self.assertEqual(
            s3.objects[(bucket, key)]["tables"],
            [
                {
                    "table": "dbo.Orders",
                    "status": "failed",
                    "error": "java.sql.SQLException: x [cause: com.mysql.cj.jdbc.exceptions.CommunicationsException: link failure]",
                    "transient": True,
                },
                {"table": "audit.events", "status": "applied"},
            ],
        )


class ManifestHashTest(unittest.TestCase):
    URI = "s3://lake/runs/sales/reporting/r1.json"

    def stored(self, body):
        return FakeS3(stored={("lake", "runs/sales/reporting/r1.json"): body})

    def test_reads_the_manifest_whose_bytes_hash_to_the_argument(self):
        body = fixture().encode("utf-8")
        manifest = apply_changes.read_manifest(self.stored(body), self.URI, hashlib.sha256(body).hexdigest())
        self.assertEqual(manifest["runId"], json.loads(body)["runId"])

    def test_refuses_a_tampered_manifest_in_one_line(self):
        body = fixture().encode("utf-8")
        sha = hashlib.sha256(body).hexdigest()
        tampered = body.replace(b"DELETE FROM", b"DROP TABLE x; DELETE FROM", 1)
        self.assertNotEqual(tampered, body)
        with self.assertRaises(apply_changes.ManifestError) as caught:
            apply_changes.read_manifest(self.stored(tampered), self.URI, sha)
        message = str(caught.exception)
        self.assertNotIn("\n", message)
        self.assertIn(self.URI, message)
        self.assertIn("differs from the %s the poller passed" % sha, message)
        with self.assertRaisesRegex(apply_changes.ManifestError, "refusing to run it"):
            apply_changes.read_manifest(self.stored(body), self.URI, None)


class FileVersionTest(unittest.TestCase):
    def test_a_replaced_file_fails_its_table_before_any_statement_and_the_others_apply(self):
        manifest = apply_changes.load_manifest(fixture())
        replaced = manifest["tables"][0]["files"][0]
        s3 = FakeS3(manifest, etags={replaced: '"0123abcd"'})
        seen = []

        class Engine(RecordingEngine):
            def __init__(self, spark, jdbc):
                RecordingEngine.__init__(self)

            def spark(self, sql):
                seen.append(sql)

            def close(self):
                pass

        results = apply_changes.run_manifest(FakeSpark(), s3, manifest, PerTableFailureTest.JDBC, engine_class=Engine)
        self.assertEqual([r["status"] for r in results], ["failed", "applied"])
        self.assertEqual(
            results[0]["error"],
            "%s: expected ETag %s (the version the poller planned), found 0123abcd: the file was replaced"
            % (replaced, manifest["tables"][0]["etags"][0]),
        )
        # None of the held table's statements ran (only its cleanup, which drops session relations).
        self.assertFalse(any(sql in seen for sql in manifest["tables"][0]["spark"]["load"]))
        self.assertTrue(all(sql in seen for sql in manifest["tables"][1]["spark"]["load"]))

    def test_a_missing_etag_list_is_refused(self):
        manifest = json.loads(fixture())
        del manifest["tables"][0]["etags"]
        with self.assertRaisesRegex(apply_changes.ManifestError, r"manifest.tables\[0\].etags: missing"):
            apply_changes.load_manifest(json.dumps(manifest))


if __name__ == "__main__":
    unittest.main()
