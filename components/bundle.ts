/**
 * Lambda handlers are bundled with esbuild when the program starts (not in a separate build step that could be
 * forgotten), into a deterministic zip: identical sources give byte-identical archives and the same code hash, so a
 * preview of an unchanged handler shows no diff. The AWS SDK v3 is left out: the nodejs22.x runtime provides it.
 */
import { createHash } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { buildSync } from "esbuild";
import { deterministicZip } from "./zip";

/** The project root: bundles resolve and name sources relative to it, so output never contains a machine's paths. */
export const PROJECT_ROOT = path.resolve(__dirname, "..");
/** Where bundles are written, content-addressed; under node_modules/.cache so it is never committed. */
export const BUNDLE_CACHE = path.join(PROJECT_ROOT, "node_modules", ".cache", "cdc-bundles");

/** Packages the Lambda runtime provides. */
export const RUNTIME_PROVIDED = ["@aws-sdk/*"];

export interface Bundle {
  /** Archive path → content: `index.js` plus any files published next to it. */
  files: Record<string, string>;
  /** The deterministic zip of `files`. */
  zip: Buffer;
  /** Base64 SHA-256 of the zip: Lambda's own code hash, so the provider sees a change exactly when the code changes. */
  sourceCodeHash: string;
  /** Path of the zip on disk (relative to the project root, identical on every machine). */
  zipPath: string;
}

export interface BundleOptions {
  /** The export the runtime calls. Defaults to `handler`; bundling fails if the entry does not export it. */
  handlerExport?: string;
  /** Files published next to the code in the archive (e.g. the source's metadata as JSON). */
  extraFiles?: Record<string, string>;
}

/** esbuild output per entry and export, so sources sharing a handler bundle it once per program run. */
const codeCache = new Map<string, string>();

/**
 * Bundles a handler entry file (absolute, or relative to the project root) into a deterministic archive, once per
 * program run: several sources sharing a handler share the bundle.
 */
export function bundleHandler(entry: string, options: BundleOptions = {}): Bundle {
  const key = JSON.stringify([path.resolve(PROJECT_ROOT, entry), options.handlerExport ?? "handler"]);
  let code = codeCache.get(key);
  if (code === undefined) {
    code = buildCode(path.resolve(PROJECT_ROOT, entry), options.handlerExport ?? "handler");
    codeCache.set(key, code);
  }
  return archive(entry, code, options.extraFiles ?? {});
}

/** {@link bundleHandler} without the per-run cache: always runs esbuild. */
export function buildBundle(entry: string, options: BundleOptions = {}): Bundle {
  return archive(
    entry,
    buildCode(path.resolve(PROJECT_ROOT, entry), options.handlerExport ?? "handler"),
    options.extraFiles ?? {},
  );
}

function archive(entry: string, code: string, extraFiles: Record<string, string>): Bundle {
  const absolute = path.resolve(PROJECT_ROOT, entry);
  if ("index.js" in extraFiles) throw new Error(`bundle of ${entry}: extraFiles may not replace index.js`);
  const files: Record<string, string> = { ...extraFiles, "index.js": code };
  const zip = deterministicZip(files);
  const digest = createHash("sha256").update(zip);
  const zipPath = path.join(
    BUNDLE_CACHE,
    `${path.basename(absolute).replace(/\.[cm]?[jt]s$/, "")}-${digest.copy().digest("hex").slice(0, 16)}.zip`,
  );
  fs.mkdirSync(BUNDLE_CACHE, { recursive: true });
  if (!fs.existsSync(zipPath)) {
    const tmp = `${zipPath}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, zip);
    fs.renameSync(tmp, zipPath);
  }
  return { files, zip, sourceCodeHash: digest.digest("base64"), zipPath: path.relative(PROJECT_ROOT, zipPath) };
}

function buildCode(absolute: string, handlerExport: string): string {
  if (!fs.existsSync(absolute)) throw new Error(`bundle: handler ${path.relative(PROJECT_ROOT, absolute)} does not exist`);
  const relative = path.relative(PROJECT_ROOT, absolute);
  // esbuild reports ESM export names only; a quick look at the entry (dependencies left external) checks the handler.
  const probe = buildSync({
    entryPoints: [relative],
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    packages: "external",
    format: "esm",
    platform: "node",
    write: false,
    metafile: true,
    outfile: "probe.mjs",
    logLevel: "silent",
  });
  const exported = Object.values(probe.metafile.outputs)[0]?.exports ?? [];
  if (!exported.includes(handlerExport)) {
    throw new Error(`bundle: ${relative} does not export ${handlerExport} (it exports ${exported.join(", ") || "nothing"})`);
  }
  const result = buildSync({
    entryPoints: [relative],
    absWorkingDir: PROJECT_ROOT,
    bundle: true,
    format: "cjs",
    platform: "node",
    target: "node22",
    external: RUNTIME_PROVIDED,
    minify: true,
    keepNames: true,
    // Inline source maps keep stack traces readable (NODE_OPTIONS=--enable-source-maps); paths are project-relative.
    sourcemap: "inline",
    sourcesContent: false,
    legalComments: "none",
    write: false,
    outfile: "index.js",
    logLevel: "silent",
  });
  return result.outputFiles[0].text;
}
