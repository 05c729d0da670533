/**
 * hyparquet ships only as ES modules. Node 20.19+ loads it with plain `require`, and esbuild bundles the literal
 * `require(...)` below; jest's CommonJS module registry cannot, so under jest the fallback asks Node's own loader for
 * the same module. (hyparquet-writer, needed only by the generator, is loaded the same way in src/local/dms-generator.)
 */
type Hyparquet = typeof import("hyparquet");

/** `load()` normally; Node's own `require` when jest's registry refuses an ES module. */
export function esmFallback<T>(name: string, load: () => T, from: string): T {
  try {
    return load();
  } catch (err) {
    if (!(err instanceof SyntaxError) && !/ES Module|import statement/i.test(String(err))) throw err;
    // jest also wraps `node:module`; process.getBuiltinModule hands out Node's own loader.
    const real = process.getBuiltinModule("node:module") as typeof import("node:module");
    return real.createRequire(from)(name) as T;
  }
}

// eslint-disable-next-line @typescript-eslint/no-require-imports -- see the comment at the top of the file
export const hyparquet: Hyparquet = esmFallback("hyparquet", () => require("hyparquet") as Hyparquet, __filename);
