"""Glue job that checks one raw file too large for the validate Lambda to read: it runs the SQL it is given and sends
the single result row back to the validation queue, with the SHA-256 of the SQL it ran. The checks, their SQL and the
verdict are TypeScript (handlers/core/validation/large-file-checks.ts): the validate Lambda renders the checks again from
the metadata it holds, and only if their SQL is the one that ran does it turn the row into a verdict and move the file.

Job arguments (set by the validate Lambda, and --result_queue_url by the deployment):
  --bucket --key --etag    the raw object version the Lambda handed over
  --table --file_kind      `<schema>.<table>` and load|cdc
  --checks                 JSON: {sql, checks, rowCountAlias, seqAliases}
  --result_queue_url       the validation queue
"""

import hashlib
import json
import sys

RESULT_VERSION = 1
REQUIRED = ("bucket", "key", "etag", "table", "file_kind", "checks", "result_queue_url")


class JobArgumentError(ValueError):
    """A job argument is missing or malformed; the message names it."""


def parse_args(argv):
    """Job arguments as a dict; every argument in REQUIRED must be present with a non-empty value.

    Glue passes `--name value` pairs, but also flags of its own without a value (`--enable-metrics`): a `--name` whose
    next token is another `--name`, or that ends the list, is such a flag and gets "true" rather than swallowing the
    next argument. No value of this job starts with `--` (names, an S3 key under `<schema>/`, an ETag, JSON, a URL).
    """
    args = {}
    flags = set()
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
            flags.add(name[2:])
            i += 1
    for name in REQUIRED:
        # A required argument read as a flag lost its value on the way; "true" would pass for a bucket or a key.
        if name in flags:
            raise JobArgumentError("job argument --%s has no value" % name)
        if not args.get(name):
            raise JobArgumentError("missing job argument --%s" % name)
    if args["file_kind"] not in ("load", "cdc"):
        raise JobArgumentError("--file_kind: expected load or cdc, got %r" % (args["file_kind"],))
    try:
        checks = json.loads(args["checks"])
    except ValueError as err:
        raise JobArgumentError("--checks is not JSON: %s" % err)
    if not isinstance(checks, dict) or not isinstance(checks.get("sql"), str):
        raise JobArgumentError("--checks: expected an object with the SQL to run")
    args["checks"] = checks
    return args


def json_value(value):
    """A result cell as JSON carries it exactly: counts as integers, sequences as strings, null as None."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, int):
        return value
    # Spark returns COUNT as a Python int, but a Decimal or other number type must not lose digits through a float.
    return str(value)


def sql_digest(sql):
    """SHA-256 of the SQL that was run: the Lambda checks it against the rules it holds now."""
    return hashlib.sha256(sql.encode("utf-8")).hexdigest()


def result_message(args, row):
    """The large-file-result message (handlers/core/messages.ts) for one result row (a dict of column → value)."""
    return json.dumps(
        {
            "version": RESULT_VERSION,
            "kind": "large-file-result",
            "bucket": args["bucket"],
            "key": args["key"],
            "etag": args["etag"],
            "table": args["table"],
            "fileKind": args["file_kind"],
            "sqlSha256": sql_digest(args["checks"]["sql"]),
            "row": dict((name, json_value(value)) for name, value in row.items()),
        },
        sort_keys=True,
    )


def main(argv):
    # Glue provides these; imported here so the helpers above stay testable without PySpark.
    import boto3
    from awsglue.context import GlueContext
    from pyspark.context import SparkContext

    args = parse_args(argv)
    spark = GlueContext(SparkContext.getOrCreate()).spark_session
    rows = spark.sql(args["checks"]["sql"]).collect()
    if len(rows) != 1:
        raise RuntimeError("checks of %s returned %d rows, expected 1" % (args["key"], len(rows)))
    body = result_message(args, rows[0].asDict())
    boto3.client("sqs").send_message(QueueUrl=args["result_queue_url"], MessageBody=body)
    print("cdc large-file: %s checked, result sent" % args["key"])


if __name__ == "__main__":
    main(sys.argv)
