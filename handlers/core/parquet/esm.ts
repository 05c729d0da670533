/**
 * hyparquet ships only as ES modules. Node 20.19+ loads it with plain `require`, and esbuild bundles the literal
 * `require(...)` below; jest's CommonJS module registry cannot, so under jest the fallback asks Node's own loader for
 * the same module. (hyparquet-writer, needed only by the generator, is loaded the same way in src/local/dms-generator.)
 */
type Hyparquet = typeof import("hyparquet");
type Column = typeof import("hyparquet/types/column");
type DataPage = typeof import("hyparquet/types/datapage");
type Convert = typeof import("hyparquet/types/convert");

/** `load()` normally; Node's own `require` when jest's registry refuses an ES module. */
export function esmFallback<T>(name: string, load: () => T, from: string): T {
  try {
    return load();
  } catch (err) {
    // jest's SyntaxError comes from another realm (so `instanceof` fails); a module that starts with `export` says so.
    if (!(err instanceof SyntaxError) && !/ES Module|import statement|unexpected token 'export'/i.test(String(err))) throw err;
    // jest also wraps `node:module`; process.getBuiltinModule hands out Node's own loader.
    const real = process.getBuiltinModule("node:module") as typeof import("node:module");
    return real.createRequire(from)(name) as T;
  }
}

/* eslint-disable @typescript-eslint/no-require-imports -- see the comment at the top of the file */
export const hyparquet: Hyparquet = esmFallback("hyparquet", () => require("hyparquet") as Hyparquet, __filename);

/**
 * hyparquet's page-level decoders (exported by the package as `hyparquet/src/*.js`): validation walks the pages of a
 * column chunk itself, to see dictionary indices and definition levels that `parquetRead` resolves away.
 */
export const hyparquetPages = {
  ...esmFallback("hyparquet/src/column.js", () => require("hyparquet/src/column.js") as Column, __filename),
  ...esmFallback("hyparquet/src/datapage.js", () => require("hyparquet/src/datapage.js") as DataPage, __filename),
  ...esmFallback("hyparquet/src/convert.js", () => require("hyparquet/src/convert.js") as Convert, __filename),
};
/* eslint-enable @typescript-eslint/no-require-imports */
