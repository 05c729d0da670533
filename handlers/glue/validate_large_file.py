"""Glue job that checks one raw file too large for the validate Lambda to read: it runs the SQL it is given and sends
the single result row back to the validation queue, with the SHA-256 of the SQL it ran. The checks, their SQL and the
verdict are TypeScript (handlers/core/validation/large-file-checks.ts): the validate Lambda renders the checks again from
the metadata it holds, and only if their SQL is the one that ran does it turn the row into a verdict and move the file.
They are the Lambda's value rules, row by row: Op exactly I, U or D (I in a full load), cdc_seq 1-35 ASCII digits on
every CDC row, no null key, no null outside deletes in a NOT NULL column. A file whose bytes Spark cannot decode (a
damaged page behind an intact footer) is answered as `unreadable` with the reader's cause, and the Lambda quarantines it
as CORRUPT_FILE; any other failure fails the run (alerted), and the file waits in raw.

Job arguments (set by the validate Lambda, and --result_queue_url by the deployment):
  --bucket --key --etag    the raw object version the Lambda handed over
  --table --file_kind      `<schema>.<table>` and load|cdc
  --checks                 JSON: {sql, checks, rowCountAlias, seqAliases}
  --result_queue_url       the validation queue

`main` is the Glue entry point and does only Glue's own set-up; everything after it is `run_job`, which local mode and
the tests call with a local SparkSession (src/local/spark/glue_local.py), so the code that runs in AWS is the code under
test.
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


def result_body(args, row, unreadable=None):
    """The large-file-result message (handlers/core/messages.ts) for one result row (a dict of column → value), or,
    with `unreadable`, for a file whose bytes Spark could not decode (no row: the Lambda quarantines it as
    CORRUPT_FILE)."""
    body = {
        "version": RESULT_VERSION,
        "kind": "large-file-result",
        "bucket": args["bucket"],
        "key": args["key"],
        "etag": args["etag"],
        "table": args["table"],
        "fileKind": args["file_kind"],
        "sqlSha256": sql_digest(args["checks"]["sql"]),
        "row": dict((name, json_value(value)) for name, value in row.items()),
    }
    if unreadable is not None:
        body["unreadable"] = unreadable
    return body


# What the Parquet reader says when a file's own bytes do not decode (seen on Spark 3.5.4 with damaged pages: a page
# header Thrift cannot read, a dictionary or page that does not decompress, a dictionary index out of range). Spark
# wraps every read failure — an S3 timeout too — in "Encountered error while reading file", so that wrapper proves
# nothing; only these causes do, and an error that also involves the S3 client or the network is never the file's.
CORRUPT_MARKERS = (
    "org.apache.parquet.io.ParquetDecodingException",
    "org.apache.parquet.format",  # "can not read class org.apache.parquet.format.PageHeader"
    "thrift.protocol.TProtocolException",
    "could not decode the dictionary",
    "FAILED_TO_UNCOMPRESS",
    "org.xerial.snappy.SnappyIOException",
    "com.github.luben.zstd.ZstdException",
    "java.util.zip.ZipException",
    "java.util.zip.DataFormatException",
    "java.lang.ArrayIndexOutOfBoundsException",
    "java.lang.NegativeArraySizeException",
    "is not a Parquet file",
    "SchemaColumnConvertNotSupportedException",
)
TRANSIENT_MARKERS = (
    "org.apache.hadoop.fs.s3a.",
    "com.amazonaws.",
    "software.amazon.awssdk.",
    "java.net.",
    "java.lang.OutOfMemoryError",
    "InterruptedException",
)


def exception_chain(err):
    """`Class: message` of the error and each of its causes: the Java exception's chain for a Py4J error."""
    lines = []
    java = getattr(err, "java_exception", None)
    seen = 0
    while java is not None and seen < 20:
        lines.append("%s: %s" % (java.getClass().getName(), java.getMessage()))
        java = java.getCause()
        seen += 1
    return lines or ["%s: %s" % (type(err).__name__, err)]


def unreadable_reason(chain):
    """The one line saying why the file's bytes do not decode, from an error's `exception_chain`; None when the error
    is not proven to be about the file (then the run fails and is alerted, and the file stays in raw)."""
    text = "\n".join(chain)
    if any(marker in text for marker in TRANSIENT_MARKERS):
        return None
    for line in reversed(chain):  # the deepest cause names the damage; the outer ones only wrap it
        if any(marker in line for marker in CORRUPT_MARKERS):
            return " ".join(line.split())[:500]
    return None


def result_message(args, row):
    """`result_body` as the JSON text sent on the queue."""
    return json.dumps(result_body(args, row), sort_keys=True)


# Session settings the checks rely on: a copy of handlers/glue/apply_changes.py SESSION_CONF (keep the two equal; Glue
# uploads each job's script as one file, components/large-file-job.ts, so the job cannot import the other script):
# - UTC, so no value depends on the machine's or the job's time zone (DESIGN §5);
# - CORRECTED rebase: DMS writes proleptic Gregorian dates and timestamps with no Spark writer tag, and Spark 3.5's
#   default (EXCEPTION) refuses to read such a column as soon as a value falls before 1582-10-15 — a DATE key of
#   0001-01-01 would fail the job instead of being checked.
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


def run_job(spark, argv, aws=None):
    """Everything the job does after Glue's set-up: checks the arguments, runs the checks' SQL on `spark` and sends the
    one result row to the result queue. `aws` holds boto3 client settings (endpoint_url, region_name; none on Glue).
    Returns the message body sent."""
    import boto3

    args = parse_args(argv)
    configure_session(spark)
    try:
        rows = spark.sql(args["checks"]["sql"]).collect()
    except Exception as err:  # noqa: BLE001 - re-raised unless it proves the file damaged
        reason = unreadable_reason(exception_chain(err))
        if reason is None:
            raise
        body = result_body(args, {}, unreadable=reason)
        print("cdc large-file: %s does not decode: %s" % (args["key"], reason))
    else:
        if len(rows) != 1:
            raise RuntimeError("checks of %s returned %d rows, expected 1" % (args["key"], len(rows)))
        body = result_body(args, rows[0].asDict())
    boto3.client("sqs", **(aws or {})).send_message(
        QueueUrl=args["result_queue_url"], MessageBody=json.dumps(body, sort_keys=True)
    )
    print("cdc large-file: %s checked, result sent" % args["key"])
    return body


def main(argv):
    # Glue provides these; imported here so the helpers above stay testable without PySpark.
    from awsglue.context import GlueContext
    from pyspark.context import SparkContext

    run_job(GlueContext(SparkContext.getOrCreate()).spark_session, argv)


if __name__ == "__main__":
    main(sys.argv)
