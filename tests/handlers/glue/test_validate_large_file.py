"""Unit tests of the large-file job's helpers (stdlib only: PySpark and boto3 are not installed here)."""

import decimal
import hashlib
import json
import os
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "handlers", "glue"))

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


if __name__ == "__main__":
    unittest.main()
