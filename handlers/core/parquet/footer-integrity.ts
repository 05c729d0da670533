/**
 * Whether a decoded footer is self-consistent enough to be used at all. A footer can decode as Thrift and still be
 * nonsense — a schema whose child counts run past its end, a row group without a column, a field of the wrong Thrift
 * type, a chunk outside the file or on top of another — and every later step (the rules, the page walker, hyparquet)
 * would then fail in its own way or, worse, read the wrong bytes. Checked once here, such a footer is one
 * CORRUPT_FILE verdict with a reason instead of a TypeError somewhere downstream.
 */
import type { FileMetaData, SchemaElement } from "hyparquet";

/** Parquet files start with the 4-byte magic; no column chunk can begin before it. */
const MAGIC_BYTES = 4;

/** A leaf of the schema tree: the path hyparquet and the chunks use, and its element. */
interface Leaf {
  path: string[];
  element: SchemaElement;
  flat: boolean;
}

/** Why the footer cannot be trusted, on one line; undefined when it is consistent. */
export function footerProblem(metadata: FileMetaData, footerStart: number): string | undefined {
  const schema: unknown = metadata.schema;
  if (!Array.isArray(schema) || schema.length === 0) return "the footer has no schema";
  const leaves: Leaf[] = [];
  const problem = walkSchema(schema as SchemaElement[], leaves);
  if (problem) return problem;
  const numRows: unknown = metadata.num_rows;
  if (typeof numRows !== "bigint" || numRows < 0n) return `the footer's row count is ${String(numRows)}`;
  if (!Array.isArray(metadata.row_groups)) return "the footer has no list of row groups";
  let rows = 0n;
  const ranges: Array<{ start: number; end: number; name: string }> = [];
  for (const [g, rg] of metadata.row_groups.entries()) {
    const groupRows: unknown = rg?.num_rows;
    if (typeof groupRows !== "bigint" || groupRows < 0n) return `row group ${g} claims ${String(groupRows)} rows`;
    rows += groupRows;
    if (!Array.isArray(rg.columns) || rg.columns.length !== leaves.length)
      return `row group ${g} has ${Array.isArray(rg.columns) ? rg.columns.length : "no"} column chunks for ${leaves.length} columns`;
    for (const [i, chunk] of rg.columns.entries()) {
      const leaf = leaves[i];
      const name = leaf.path.join(".");
      const md = chunk?.meta_data;
      if (!md) return `row group ${g}, column ${name}: no column metadata`;
      const path: unknown = md.path_in_schema;
      if (!Array.isArray(path) || path.join("\u0000") !== leaf.path.join("\u0000"))
        return `row group ${g}: column chunk ${i} is for ${Array.isArray(path) ? path.join(".") : "no column"}, expected ${name}`;
      if (md.type !== leaf.element.type)
        return `row group ${g}, column ${name}: chunk of type ${String(md.type)} in a ${String(leaf.element.type)} column`;
      if (typeof md.codec !== "string") return `row group ${g}, column ${name}: unknown compression codec`;
      const values: unknown = md.num_values;
      if (typeof values !== "bigint" || values < 0n || (leaf.flat && values !== groupRows))
        return `row group ${g}, column ${name}: ${String(values)} values in a row group of ${groupRows} rows`;
      const data: unknown = md.data_page_offset;
      const dictionary: unknown = md.dictionary_page_offset;
      const size: unknown = md.total_compressed_size;
      if (typeof data !== "bigint" || typeof size !== "bigint" || (dictionary !== undefined && typeof dictionary !== "bigint"))
        return `row group ${g}, column ${name}: chunk offsets or size are not numbers`;
      // `||`, as hyparquet itself reads it: some writers put 0 in dictionary_page_offset when there is no dictionary.
      const start = Number(dictionary || data);
      const end = start + Number(size);
      if (!(start >= MAGIC_BYTES && end > start && end <= footerStart && Number(data) >= start && Number(data) < end))
        return `row group ${g}, column ${name}: its chunk at bytes ${start}-${end} lies outside the data of the file (bytes ${MAGIC_BYTES}-${footerStart})`;
      ranges.push({ start, end, name: `row group ${g}, column ${name}` });
    }
  }
  if (rows !== numRows) return `the footer counts ${numRows} rows, its row groups ${rows}`;
  ranges.sort((a, b) => a.start - b.start);
  for (let i = 1; i < ranges.length; i++) {
    if (ranges[i].start < ranges[i - 1].end)
      return `${ranges[i].name} (bytes ${ranges[i].start}-${ranges[i].end}) overlaps ${ranges[i - 1].name} (bytes ${ranges[i - 1].start}-${ranges[i - 1].end})`;
  }
  return undefined;
}

/** Collects the leaves depth first, as the chunks are ordered; a problem if the tree does not fit the list exactly. */
function walkSchema(schema: SchemaElement[], leaves: Leaf[]): string | undefined {
  let next = 0;
  const visit = (path: string[], depth: number, flat: boolean): string | undefined => {
    const at = next++;
    const e = schema[at] as SchemaElement | undefined;
    if (!e || typeof e !== "object") return `the schema ends at element ${at}, before its child counts say`;
    if (typeof e.name !== "string") return `schema element ${at} has no name`;
    const children: unknown = e.num_children ?? 0;
    if (typeof children !== "number" || !Number.isSafeInteger(children) || children < 0 || children > schema.length)
      return `schema element ${e.name} claims ${String(children)} children`;
    if (depth > 0 && children === 0) {
      if (typeof e.type !== "string") return `schema column ${e.name} has no physical type`;
      leaves.push({ path: [...path, e.name], element: e, flat: flat && e.repetition_type !== "REPEATED" });
      return undefined;
    }
    const childPath = depth === 0 ? [] : [...path, e.name];
    for (let c = 0; c < children; c++) {
      const p = visit(childPath, depth + 1, depth === 0);
      if (p) return p;
    }
    return undefined;
  };
  const problem = visit([], 0, true);
  if (problem) return problem;
  if (next !== schema.length) return `the schema lists ${schema.length} elements but its tree holds ${next}`;
  return undefined;
}
