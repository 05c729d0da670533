/**
 * Physical names that other tools must be able to predict (the CLI, the Glue catalog sync, operators reading a
 * console) derive from environment, source, target and account — never from list positions or random suffixes.
 */
import { createHash } from "node:crypto";

/** Bucket roles of a pipeline (DESIGN §1–§3). */
export type BucketRole = "raw" | "quarantine" | "harmonized" | "publication" | "artifacts" | "lake";

const S3_MAX = 63;

/**
 * MySQL's limit for table and column names, in characters: the tightest of the targets'. Glue and Athena allow 255
 * bytes, which 64 characters of the Basic Multilingual Plane (all MySQL accepts) never exceed.
 */
export const MYSQL_IDENTIFIER_MAX = 64;

/** Glue Data Catalog (and Athena) limit for database, table and column names, in UTF-8 bytes. */
export const GLUE_NAME_MAX_BYTES = 255;

/**
 * `cdc-<env>-<source>-<role>-<accountId>`: globally unique through the account id. Names longer than S3 allows keep
 * their readable start and end and replace the middle with a short hash, so they stay unique and stable.
 */
export function bucketName(environment: string, source: string, role: BucketRole, accountId: string): string {
  return fitName(`cdc-${environment}-${source}-${role}-${accountId}`, S3_MAX);
}

/** Glue Data Catalog database of a source's harmonized tables: Athena wants lower-case letters, digits and `_`. */
export function catalogDatabaseName(environment: string, source: string): string {
  return `cdc_${environment}_${source}`.replace(/[^a-z0-9_]/g, "_");
}

/**
 * Glue Data Catalog database of one target's publication (Iceberg) tables. One per target: two targets of a source may
 * publish the same source table, each as `<schema>__<table>` in its own database.
 */
export function publicationDatabaseName(environment: string, source: string, target: string): string {
  return `cdc_${environment}_${source}_${target}`.toLowerCase().replace(/[^a-z0-9_]/g, "_");
}

/** Shortens `name` to `max` characters, deterministically, keeping it unique via a hash of the full name. */
export function fitName(name: string, max: number): string {
  if (name.length <= max) return name;
  const hash = shortHash(name);
  const keep = max - hash.length - 1;
  const head = Math.ceil(keep / 2);
  return `${name.slice(0, head)}-${hash}${name.slice(name.length - (keep - head))}`.replace(/--+/g, "-");
}

/**
 * Shortens a SQL identifier to `max` characters (code points), deterministically: its first and last characters
 * around `_<8 hex digits of the SHA-256 of the whole name>_`. Names within `max` are returned unchanged, so only names
 * a target could not hold change; the hash keeps two long names that share a start and an end apart.
 */
export function fitIdentifier(name: string, max: number): string {
  const chars = [...name];
  if (chars.length <= max) return name;
  const hash = shortHash(name);
  const keep = max - hash.length - 2;
  const head = Math.ceil(keep / 2);
  return `${chars.slice(0, head).join("")}_${hash}_${chars.slice(chars.length - (keep - head)).join("")}`;
}

function shortHash(name: string): string {
  return createHash("sha256").update(name).digest("hex").slice(0, 8);
}
