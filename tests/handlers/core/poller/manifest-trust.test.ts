import * as path from "node:path";
import { Logger } from "@aws-lambda-powertools/logger";
import { readMetadataDir } from "../../../../metadata/load";
import { tableShape } from "../../../../metadata/schema-diff";
import type { TableMetadata } from "../../../../metadata/format";
import { icebergSettingsSchema } from "../../../../handlers/core/plan/iceberg-settings";
import { buildRunManifest, manifestBody, sha256Hex, type ManifestTableInput } from "../../../../handlers/core/plan/manifest";
import { pendingManifestSha256 } from "../../../../handlers/core/poller/manifest-trust";
import type { PollDeps, PollSettings } from "../../../../handlers/core/poller/ports";
import { manifestKey, newRunId } from "../../../../handlers/core/poller/runs";

const { tables } = readMetadataDir(path.resolve(__dirname, "../../../../metadata/sources/sales"));
const invoice = tables.find((t) => t.table === "Invoice") as TableMetadata;
const PREFIX = "runs/sales/reporting/";
const LAKE = "cdc-dev-lake";
const createdAt = new Date("2026-12-03T05:00:00.000Z");
const runId = newRunId(createdAt, "abcdef");
const key = manifestKey(PREFIX, runId);
const manifestUri = `s3://${LAKE}/${key}`;
const uri = (n: number) => `s3://cdc-dev-harmonized/sales/dbo/Invoice/2026/12/03/0500${n}0000.parquet`;

/**
 * The poller's settings for a target; a merge-on-read Iceberg target, since the write properties are part of the
 * statements (CREATE TABLE's TBLPROPERTIES).
 */
const settings: PollSettings = {
  source: "sales",
  target: "reporting",
  lakeBucket: LAKE,
  harmonizedBucket: "cdc-dev-harmonized",
  sparkNamespace: ["glue_catalog", "cdc_dev_sales"],
  mysql: "mariadb",
  tombstoneRetentionDays: 7,
  iceberg: icebergSettingsSchema.parse({ writeMode: "merge-on-read", targetFileSizeMiB: 64 }),
};

/** What the poller writes in a tick (tick.ts) for one table of Invoice files. */
function written(table: Omit<ManifestTableInput, "meta">): string {
  return manifestBody(
    buildRunManifest({
      target: "sales/reporting",
      runId,
      manifestUri,
      sparkNamespace: settings.sparkNamespace,
      mysql: settings.mysql,
      tombstoneRetentionDays: settings.tombstoneRetentionDays,
      iceberg: settings.iceberg,
      now: createdAt,
      tables: [{ meta: invoice, ...table }],
    }),
  );
}

/** The hash the poller vouches for, for the manifest stored with `text`, whose first start was lost. */
function vouched(text: string): Promise<string | undefined> {
  const store = { read: (k: string) => Promise.resolve(k === key ? text : undefined) };
  const deps = { store, tables, settings, logger: new Logger({ logLevel: "SILENT" }) } as unknown as Pick<
    PollDeps,
    "store" | "tables" | "settings" | "logger"
  >;
  return pendingManifestSha256(deps, { runId, key }, manifestUri, []);
}

// Without the column added last: the targets were applied before it existed.
const before = tableShape({ ...invoice, columns: invoice.columns.slice(0, -1) });
const files = { files: [uri(1), uri(2)], etags: ["etag1", "etag2"] };

describe("pendingManifestSha256: a manifest whose first start was lost", () => {
  it.each<[string, Omit<ManifestTableInput, "meta">]>([
    ["plain files", files],
    ["files with their commit time", { ...files, latestCommitAt: "2026-12-03T04:59:00.000Z" }],
    [
      "a reload's full load",
      {
        files: [uri(1)],
        etags: ["etag1"],
        generation: { id: "abcdef0123456789", at: "2026-12-03T04:00:00.000Z", sweep: true, file: uri(1) },
      },
    ],
  ])(
    "is vouched for when the poller renders it again byte for byte: %s, on a target with its own Iceberg settings",
    async (_, table) => {
      const text = written(table);
      await expect(vouched(text)).resolves.toBe(sha256Hex(text));
    },
  );

  // Each of these picks statements (ALTER, setting tables aside, reading columns as NULL): read back from the
  // manifest, whoever writes the lake bucket could pick them, so the poller does not vouch for them from it.
  it.each<[string, Omit<ManifestTableInput, "meta">]>([
    ["files of an older shape, read by their columns", { ...files, columns: [before.columns.map((c) => c.name), undefined] }],
    ["a schema change applied first", { ...files, applied: before }],
    [
      "a rebuild",
      {
        files: [uri(1)],
        etags: ["etag1"],
        generation: { id: "abcdef0123456789", at: "2026-12-03T04:00:00.000Z", sweep: true, file: uri(1) },
        applied: before,
        rebuild: true,
      },
    ],
  ])("is not vouched for when it carries %s, even as the poller wrote it", async (_, table) => {
    await expect(vouched(written(table))).resolves.toBeUndefined();
  });

  it.each([
    ["a statement", (t: string) => t.replace("CREATE TABLE IF NOT EXISTS", "CREATE TABLE IF NOT EXISTS /* x */")],
    ["a write property", (t: string) => t.replace("'merge-on-read'", "'copy-on-write'")],
  ])("is refused once %s was changed", async (_, change) => {
    const text = written(files);
    const tampered = change(text);
    expect(tampered).not.toBe(text);
    await expect(vouched(tampered)).resolves.toBeUndefined();
  });
});
