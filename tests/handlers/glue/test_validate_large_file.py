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

    def __init__(self, rows):
        self.rows = rows
        self.calls = []
        outer = self

        class Conf:
            def set(self, name, value):
                outer.calls.append(("conf", name, value))

        self.conf = Conf()

    def sql(self, text):
        self.calls.append(("sql", text))
        rows = self.rows

        class Frame:
            def collect(self):
                return [FakeRow(r) for r in rows]

        return Frame()


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
