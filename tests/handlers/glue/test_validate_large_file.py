"""Unit tests of the large-file job (stdlib only: PySpark and boto3 are not installed here, so `run_job` gets a fake
session and a fake boto3). The job on real Spark: tests/handlers/glue/validate_large_file.spark.test.ts."""

import contextlib
import decimal
import hashlib
import io
import json
import os
import sys
import types
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "handlers", "glue"))

import apply_changes  # noqa: E402
import validate_large_file as job  # noqa: E402

CHECKS = {"sql": "SELECT COUNT(*) AS row_count FROM parquet.`s3://raw/dbo/orders/x.parquet`", "checks": [], "rowCountAlias": "row_count"}
ARGV = [
    "validate_large_file.py",
    "--bucket", "raw",
    "--key", "dbo/orders/20240102-000000000.parquet",
    "--etag", '"abc"',
    "--table", "dbo.orders",
    "--file_kind", "cdc",
    "--checks", json.dumps(CHECKS),
    "--result_queue_url", "https://sqs.eu-west-2.amazonaws.com/111111111111/cdc-dev-sales-validate",
    "--job-bookmark-option", "job-bookmark-disable",
]


class ParseArgs(unittest.TestCase):
    def test_reads_every_argument_and_decodes_the_checks(self):
        args = job.parse_args(ARGV)
        self.assertEqual(args["key"], "dbo/orders/20240102-000000000.parquet")
        self.assertEqual(args["etag"], '"abc"')
        self.assertEqual(args["checks"], CHECKS)

    def test_a_flag_without_a_value_swallows_nothing(self):
        # Glue passes some of its own arguments as bare flags, before ours and at the end.
        argv = ARGV[:1] + ["--enable-metrics"] + ARGV[1:] + ["--enable-continuous-cloudwatch-log"]
        args = job.parse_args(argv)
        self.assertEqual(args["bucket"], "raw")
        self.assertEqual(args["checks"], CHECKS)
        self.assertEqual(args["enable-metrics"], "true")
        self.assertEqual(args["enable-continuous-cloudwatch-log"], "true")
        self.assertEqual(args["job-bookmark-option"], "job-bookmark-disable")

    def test_refuses_a_required_argument_given_without_a_value(self):
        argv = list(ARGV)
        del argv[argv.index("--etag") + 1]
        with self.assertRaisesRegex(job.JobArgumentError, "^job argument --etag has no value$"):
            job.parse_args(argv)
        with self.assertRaisesRegex(job.JobArgumentError, "^job argument --result_queue_url has no value$"):
            job.parse_args(ARGV[:-3] + ["--result_queue_url"])

    def test_names_a_missing_argument(self):
        argv = [a for i, a in enumerate(ARGV) if i not in (ARGV.index("--etag"), ARGV.index("--etag") + 1)]
        with self.assertRaisesRegex(job.JobArgumentError, "^missing job argument --etag$"):
            job.parse_args(argv)

    def test_refuses_an_unknown_file_kind(self):
        argv = list(ARGV)
        argv[argv.index("--file_kind") + 1] = "full"
        with self.assertRaisesRegex(job.JobArgumentError, "--file_kind: expected load or cdc"):
            job.parse_args(argv)

    def test_refuses_checks_that_are_not_json_or_carry_no_sql(self):
        for bad, message in (("{not json", "--checks is not JSON"), ("[]", "--checks: expected an object")):
            argv = list(ARGV)
            argv[argv.index("--checks") + 1] = bad
            with self.assertRaisesRegex(job.JobArgumentError, message):
                job.parse_args(argv)


class ResultMessage(unittest.TestCase):
    def test_names_the_object_and_the_sql_it_ran_with_the_row(self):
        args = job.parse_args(ARGV)
        row = {"row_count": 3, "check_1": 0, "min_seq": "1", "max_seq": None}
        message = json.loads(job.result_message(args, row))
        self.assertEqual(
            message,
            {
                "version": 1,
                "kind": "large-file-result",
                "bucket": "raw",
                "key": "dbo/orders/20240102-000000000.parquet",
                "etag": '"abc"',
                "table": "dbo.orders",
                "fileKind": "cdc",
                "sqlSha256": hashlib.sha256(CHECKS["sql"].encode("utf-8")).hexdigest(),
                "row": row,
            },
        )

    def test_keeps_every_digit_of_a_non_integer_number(self):
        self.assertEqual(job.json_value(decimal.Decimal("12345678901234567890")), "12345678901234567890")
        self.assertEqual(job.json_value(7), 7)
        self.assertIsNone(job.json_value(None))


class FakeRow:
    def __init__(self, values):
        self.values = values

    def asDict(self):
        return dict(self.values)


class FakeSpark:
    """Records what the job does to the session: settings, then the SQL it runs (answered with `rows`)."""

    def __init__(self, rows, error=None):
        self.rows = rows
        self.error = error
        self.calls = []
        outer = self

        class Conf:
            def set(self, name, value):
                outer.calls.append(("conf", name, value))

        self.conf = Conf()

    def sql(self, text):
        self.calls.append(("sql", text))
        rows, error = self.rows, self.error

        class Frame:
            def collect(self):
                if error is not None:
                    raise error
                return [FakeRow(r) for r in rows]

        return Frame()


class FakeJavaException:
    """A Java exception as Py4J exposes it: class name, message, cause."""

    def __init__(self, name, message, cause=None):
        self.name, self.message, self.cause = name, message, cause

    def getClass(self):
        name = self.name
        return types.SimpleNamespace(getName=lambda: name)

    def getMessage(self):
        return self.message

    def getCause(self):
        return self.cause


class FakePy4JError(Exception):
    """What `collect()` raises when a Spark task fails: a Python error carrying the Java exception chain."""

    def __init__(self, *chain):
        super().__init__("An error occurred while calling o123.collectToPython")
        java = None
        for name, message in reversed(chain):
            java = FakeJavaException(name, message, java)
        self.java_exception = java


WRAPPED = ("org.apache.spark.SparkException", "Encountered error while reading file s3://raw/dbo/orders/x.parquet. Details:")
# Chains Spark 3.5.4 gave for damaged column chunks of a file whose footer is intact (see the Spark test).
DAMAGED = {
    "dictionary": (
        ("org.apache.spark.SparkException", "Job aborted due to stage failure: Task 0 in stage 1.0 failed 1 times"),
        WRAPPED,
        ("java.io.IOException", "could not decode the dictionary for [cdc_seq] optional binary cdc_seq (STRING)"),
        ("java.io.IOException", "FAILED_TO_UNCOMPRESS(5)"),
    ),
    "page header": (
        WRAPPED,
        ("java.io.IOException", "can not read class org.apache.parquet.format.PageHeader: Required field 'uncompressed_page_size' was not found"),
        ("shaded.parquet.org.apache.thrift.protocol.TProtocolException", "Required field 'uncompressed_page_size' was not found"),
    ),
    "dictionary index": (
        ("org.apache.spark.SparkException", "Job aborted due to stage failure"),
        ("java.lang.ArrayIndexOutOfBoundsException", "Index 27647 out of bounds for length 20000"),
    ),
}
# The same wrapper around failures that say nothing about the file's bytes.
NOT_THE_FILE = {
    "S3 timeout": (WRAPPED, ("org.apache.hadoop.fs.s3a.AWSClientIOException", "read on s3a://raw/dbo/orders/x.parquet: Read timed out")),
    "network": (WRAPPED, ("java.net.SocketTimeoutException", "Read timed out")),
    "memory": (("org.apache.spark.SparkException", "Job aborted"), ("java.lang.OutOfMemoryError", "Java heap space")),
    "SQL": (("org.apache.spark.sql.AnalysisException", "[UNRESOLVED_COLUMN] A column with name `id` cannot be resolved"),),
}


class UnreadableFile(unittest.TestCase):
    def test_names_the_deepest_cause_of_a_damaged_chunk(self):
        reasons = dict((name, job.unreadable_reason(job.exception_chain(FakePy4JError(*chain)))) for name, chain in DAMAGED.items())
        self.assertEqual(reasons, {
            "dictionary": "java.io.IOException: FAILED_TO_UNCOMPRESS(5)",
            "page header": "shaded.parquet.org.apache.thrift.protocol.TProtocolException: Required field 'uncompressed_page_size' was not found",
            "dictionary index": "java.lang.ArrayIndexOutOfBoundsException: Index 27647 out of bounds for length 20000",
        })

    def test_anything_not_proven_to_be_the_files_bytes_is_not_a_verdict(self):
        for name, chain in NOT_THE_FILE.items():
            self.assertIsNone(job.unreadable_reason(job.exception_chain(FakePy4JError(*chain))), name)
        # A damage marker next to the S3 client: the read may have been cut short, so it proves nothing.
        mixed = DAMAGED["dictionary"] + (("org.apache.hadoop.fs.s3a.AWSClientIOException", "reset"),)
        self.assertIsNone(job.unreadable_reason(job.exception_chain(FakePy4JError(*mixed))))
        self.assertEqual(job.exception_chain(ValueError("plain")), ["ValueError: plain"])


class FakeBoto3:
    """boto3 as the job uses it: one SQS client, built with the settings it is given."""

    def __init__(self):
        self.clients = []
        self.sent = []

    def client(self, service, **settings):
        self.clients.append((service, settings))
        sent = self.sent

        class Client:
            def send_message(self, **kwargs):
                sent.append(kwargs)
                return {"MessageId": "m-1"}

        return Client()


class RunJob(unittest.TestCase):
    def setUp(self):
        self.boto3 = FakeBoto3()
        names = ("boto3", "awsglue", "awsglue.context", "pyspark", "pyspark.context")
        self.saved = dict((name, sys.modules.get(name)) for name in names)
        sys.modules["boto3"] = types.SimpleNamespace(client=self.boto3.client)
        # The job's progress line goes to stdout; keep the test output clean.
        self.stdout = contextlib.redirect_stdout(io.StringIO())
        self.stdout.__enter__()

    def tearDown(self):
        self.stdout.__exit__(None, None, None)
        for name, module in self.saved.items():
            if module is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = module

    def test_sets_the_session_then_runs_the_checks_and_sends_the_row(self):
        row = {"row_count": 3, "check_1": 0, "min_seq": "1", "max_seq": "3"}
        spark = FakeSpark([row])
        aws = {"endpoint_url": "http://127.0.0.1:5000", "region_name": "us-east-1"}
        body = job.run_job(spark, ARGV, aws)
        self.assertEqual(body, json.loads(job.result_message(job.parse_args(ARGV), row)))
        # Every setting before the query: the query must not run in a session whose --conf says otherwise.
        self.assertEqual(spark.calls, [("conf", n, v) for n, v in job.SESSION_CONF] + [("sql", CHECKS["sql"])])
        self.assertEqual(self.boto3.clients, [("sqs", aws)])
        self.assertEqual(len(self.boto3.sent), 1)
        self.assertEqual(self.boto3.sent[0]["QueueUrl"], ARGV[ARGV.index("--result_queue_url") + 1])
        self.assertEqual(json.loads(self.boto3.sent[0]["MessageBody"]), body)

    def test_a_file_that_does_not_decode_is_answered_as_unreadable_with_no_row(self):
        body = job.run_job(FakeSpark([], error=FakePy4JError(*DAMAGED["page header"])), ARGV, {})
        self.assertEqual(body["row"], {})
        self.assertEqual(body["unreadable"], job.unreadable_reason(job.exception_chain(FakePy4JError(*DAMAGED["page header"]))))
        self.assertEqual(body["sqlSha256"], hashlib.sha256(CHECKS["sql"].encode("utf-8")).hexdigest())
        self.assertEqual([json.loads(m["MessageBody"]) for m in self.boto3.sent], [body])

    def test_any_other_failure_fails_the_run_and_sends_nothing(self):
        error = FakePy4JError(*NOT_THE_FILE["S3 timeout"])
        with self.assertRaises(FakePy4JError):
            job.run_job(FakeSpark([], error=error), ARGV, {})
        self.assertEqual(self.boto3.sent, [])

    def test_sends_nothing_unless_the_checks_return_one_row(self):
        for rows in ([], [{"row_count": 1}, {"row_count": 2}]):
            with self.assertRaisesRegex(RuntimeError, "returned %d rows, expected 1" % len(rows)):
                job.run_job(FakeSpark(rows), ARGV, {})
        self.assertEqual(self.boto3.sent, [])

    def test_refuses_bad_arguments_before_touching_spark(self):
        spark = FakeSpark([{"row_count": 1}])
        with self.assertRaisesRegex(job.JobArgumentError, "missing job argument --result_queue_url"):
            job.run_job(spark, ARGV[:-4] + ARGV[-2:], {})
        self.assertEqual(spark.calls, [])
        self.assertEqual(self.boto3.sent, [])

    def test_main_hands_glues_session_to_run_job(self):
        spark = FakeSpark([{"row_count": 2}])

        class SparkContext:
            @staticmethod
            def getOrCreate():
                return "the SparkContext"

        class GlueContext:
            def __init__(self, context):
                assert context == "the SparkContext"
                self.spark_session = spark

        sys.modules["awsglue"] = types.ModuleType("awsglue")
        sys.modules["awsglue.context"] = types.SimpleNamespace(GlueContext=GlueContext)
        sys.modules["pyspark"] = types.ModuleType("pyspark")
        sys.modules["pyspark.context"] = types.SimpleNamespace(SparkContext=SparkContext)
        job.main(ARGV)
        self.assertEqual(spark.calls[-1], ("sql", CHECKS["sql"]))
        self.assertEqual(self.boto3.clients, [("sqs", {})])
        self.assertEqual(len(self.boto3.sent), 1)

    def test_session_settings_are_the_apply_jobs(self):
        # A copy (each Glue script is uploaded alone): it must not drift from the apply job's.
        self.assertEqual(job.SESSION_CONF, apply_changes.SESSION_CONF)


if __name__ == "__main__":
    unittest.main()
