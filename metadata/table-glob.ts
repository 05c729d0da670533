/**
 * Globs over `schema.table` (`dbo.*`, `sales.order_?`), matched case-insensitively like the stack config's target
 * `tables` and DMS output keys. `*` is any run of characters within one part, `?` exactly one.
 */

/** True when `id` (`<schema>.<table>`) matches `glob`. */
export function matchesTableGlob(glob: string, id: string): boolean {
  return globRegExp(glob).test(id);
}

/** Tables kept by `--include` (all when empty) minus those matched by `--exclude`. */
export function selectTables<T>(
  items: readonly T[],
  id: (t: T) => string,
  include: readonly string[],
  exclude: readonly string[],
): T[] {
  const inc = include.map(globRegExp);
  const exc = exclude.map(globRegExp);
  return items.filter((t) => (inc.length === 0 || inc.some((r) => r.test(id(t)))) && !exc.some((r) => r.test(id(t))));
}

function globRegExp(glob: string): RegExp {
  const body = [...glob].map((c) => (c === "*" ? "[^.]*" : c === "?" ? "[^.]" : c.replace(/[\\^$.|+()[\]{}]/g, "\\$&"))).join("");
  return new RegExp(`^${body}$`, "i");
}
