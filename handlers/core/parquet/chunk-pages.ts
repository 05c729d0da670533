/**
 * The pages of one flat column chunk, decoded with hyparquet's page decoders but walked here, so validation sees what
 * `parquetRead` hides: the dictionary as a list of distinct values, and per data page the definition levels (which
 * rows are null) and either dictionary indices or plain values.
 *
 * Why the data pages are always read, even for a chunk that is entirely dictionary-encoded: the dictionary proves
 * which values can occur, but not which rows are null — nulls exist only as definition levels, inside the data pages.
 * The footer's and page headers' null counts and encoding lists are summaries a damaged or careless writer can get
 * wrong; a check that trusts them is not a check. What the dictionary saves is the per-row work: each distinct value
 * is tested once, each row costs an index comparison.
 *
 * Everything the bytes claim is checked against everything else they claim (page sizes against the chunk, rows
 * against the row group, value counts against definition levels, indices against the dictionary); any contradiction
 * or decoder failure is a {@link CorruptFileError} naming the column, row group and page.
 */
import * as zlib from "node:zlib";
import type { ColumnMetaData, SchemaElement } from "hyparquet";
import type { ColumnDecoder, Compressors, DecodedArray, PageHeader, SchemaTree } from "hyparquet/src/types";
import { CorruptFileError, reasonOf } from "./corrupt";
import { hyparquetPages } from "./esm";

/** One data page, row-aligned. */
export interface PageContent {
  /** Rows in the page (a flat column has one value or null per row). */
  rows: number;
  /** Per row, whether it holds a value; undefined when every row does. */
  present?: boolean[];
  /** The page's non-null values in row order: indices into the chunk's dictionary, or the values themselves. */
  indices?: ArrayLike<number>;
  values?: DecodedArray;
}

export interface ChunkContent {
  /** The dictionary page's distinct values (strings for STRING columns), if the chunk has one. */
  dictionary?: DecodedArray;
  pages: PageContent[];
}

export interface ChunkSource {
  column: string;
  rowGroup: number;
  /** The chunk's bytes, from its first page header to `total_compressed_size` later. */
  bytes: Uint8Array;
  meta: ColumnMetaData;
  element: SchemaElement;
  root: SchemaElement;
  /** Rows of the row group: the pages must hold exactly these. */
  rows: number;
}

/** A page may not claim to inflate beyond this (hyparquet allocates the claimed size before decompressing). */
const MAX_PAGE_BYTES = 256 * 1024 * 1024;
/** Worst-case inflation of any codec we decode (deflate's is 1032:1), plus room for a tiny page. */
const MAX_INFLATION = 1100;

/** Codecs hyparquet does not decode itself but Node does; a bound on the output defuses a decompression bomb. */
const COMPRESSORS: Compressors = {
  GZIP: (input, outputLength) => new Uint8Array(zlib.gunzipSync(input, { maxOutputLength: Math.max(1, outputLength) })),
  BROTLI: (input, outputLength) =>
    new Uint8Array(zlib.brotliDecompressSync(input, { maxOutputLength: Math.max(1, outputLength) })),
};

/** Decodes every page of a flat column chunk, or throws {@link CorruptFileError}. */
export function readChunkPages(src: ChunkSource): ChunkContent {
  const where = (page?: number) => `column ${src.column}, row group ${src.rowGroup}${page === undefined ? "" : `, page ${page}`}`;
  const maxDefinition = src.element.repetition_type === "REQUIRED" ? 0 : 1;
  const leaf: SchemaTree = { element: src.element, children: [], count: 1, path: [src.column] };
  const decoder: ColumnDecoder = {
    pathInSchema: [src.column],
    type: src.meta.type,
    element: src.element,
    schemaPath: [{ element: src.root, children: [leaf], count: 2, path: [] }, leaf],
    codec: src.meta.codec,
    parsers: hyparquetPages.DEFAULT_PARSERS,
    compressors: COMPRESSORS,
  };
  const bytes = src.bytes;
  const reader = { view: new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), offset: 0 };
  const out: ChunkContent = { pages: [] };
  let rows = 0;
  for (let page = 0; reader.offset < bytes.byteLength; page++) {
    let header: PageHeader;
    try {
      header = hyparquetPages.parquetHeader(reader);
    } catch (err) {
      throw new CorruptFileError(`${where(page)}: the page header does not decode (${reasonOf(err)})`);
    }
    const size = header.compressed_page_size;
    const start = reader.offset;
    if (!Number.isSafeInteger(size) || size < 0 || start + size > bytes.byteLength)
      throw new CorruptFileError(
        `${where(page)}: the page claims ${size ?? "no number of"} bytes but only ${bytes.byteLength - start} remain in the column chunk`,
      );
    const inflated = header.uncompressed_page_size;
    if (!Number.isSafeInteger(inflated) || inflated < 0 || inflated > Math.min(MAX_PAGE_BYTES, size * MAX_INFLATION + 1024))
      throw new CorruptFileError(`${where(page)}: the page claims to inflate ${size} bytes to ${inflated}`);
    reader.offset = start + size;
    const body = bytes.subarray(start, start + size);
    try {
      if (header.type === "DICTIONARY_PAGE") {
        if (out.dictionary || out.pages.length > 0) throw new Error("a dictionary page that is not the chunk's first page");
        out.dictionary = dictionaryPage(body, header, decoder);
      } else if (header.type === "DATA_PAGE" || header.type === "DATA_PAGE_V2") {
        const content = dataPage(body, header, decoder, maxDefinition, out.dictionary);
        rows += content.rows;
        if (rows > src.rows) throw new Error(`the pages hold more than the row group's ${src.rows} rows`);
        out.pages.push(content);
      } else if (header.type !== "INDEX_PAGE") {
        throw new Error(`unknown page type ${String(header.type)}`);
      }
    } catch (err) {
      throw new CorruptFileError(`${where(page)}: ${reasonOf(err)}`);
    }
  }
  if (rows !== src.rows) throw new CorruptFileError(`${where()}: the pages hold ${rows} rows, the row group ${src.rows}`);
  return out;
}

function dictionaryPage(body: Uint8Array, header: PageHeader, decoder: ColumnDecoder): DecodedArray {
  const count = header.dictionary_page_header?.num_values;
  if (!Number.isSafeInteger(count) || (count as number) < 0) throw new Error(`the dictionary claims ${count} values`);
  const reader = { view: new DataView(body.buffer, body.byteOffset, body.byteLength), offset: 0 };
  const { data } = hyparquetPages.readPage(reader, header, decoder, undefined, undefined, 0);
  if (!data || data.length !== count) throw new Error(`the dictionary holds ${data?.length ?? 0} of ${count} values`);
  return hyparquetPages.convert(data, decoder);
}

function dataPage(
  body: Uint8Array,
  header: PageHeader,
  decoder: ColumnDecoder,
  maxDefinition: number,
  dictionary: DecodedArray | undefined,
): PageContent {
  // The page type decides which header counts, as it does for hyparquet: a stray header of the other kind is ignored.
  const v2 = header.type === "DATA_PAGE_V2" ? header.data_page_header_v2 : undefined;
  const v1 = header.type === "DATA_PAGE" ? header.data_page_header : undefined;
  if (!v1 && !v2) throw new Error(`a ${header.type} without its header`);
  const rows = v2 ? v2.num_values : v1?.num_values;
  const encoding = v2 ? v2.encoding : v1?.encoding;
  if (!Number.isSafeInteger(rows) || (rows as number) < 0) throw new Error(`the data page claims ${rows} values`);
  if (v2 && v2.num_rows !== rows) throw new Error(`the data page claims ${v2.num_rows} rows but ${rows} values`);
  // A flat column has no repetition levels; hyparquet would skip the bytes the header claims for them.
  if (v2 && v2.repetition_levels_byte_length !== 0) throw new Error("repetition levels in a flat column");
  // hyparquet skips the levels of a REQUIRED column unread: levels there would be decoded as values.
  if (v2 && maxDefinition === 0 && (v2.definition_levels_byte_length !== 0 || v2.num_nulls !== 0))
    throw new Error("definition levels (nulls) in a REQUIRED column");
  const { definitionLevels, dataPage: decoded } = v2
    ? hyparquetPages.readDataPageV2(body, header, decoder)
    : hyparquetPages.readDataPage(
        hyparquetPages.decompressPage(body, header.uncompressed_page_size, decoder.codec, decoder.compressors),
        v1 as NonNullable<typeof v1>,
        decoder,
      );
  const n = rows as number;
  let present: boolean[] | undefined;
  let defined = n;
  // hyparquet leaves a page V1 without nulls with no levels; a page V2 always has them (and a count we must not trust).
  if (maxDefinition > 0 && definitionLevels && definitionLevels.length > 0) {
    if (definitionLevels.length !== n) throw new Error(`${definitionLevels.length} definition levels for ${n} values`);
    present = new Array<boolean>(n);
    defined = 0;
    for (let i = 0; i < n; i++) {
      const level = definitionLevels[i];
      if (level !== 0 && level !== maxDefinition) throw new Error(`definition level ${level} at value ${i}`);
      present[i] = level === maxDefinition;
      if (present[i]) defined++;
    }
  }
  if (v2 && v2.num_nulls !== n - defined)
    throw new Error(`the header counts ${v2.num_nulls} nulls, the definition levels ${n - defined}`);
  if (decoded.length !== defined) throw new Error(`${decoded.length} values decoded for ${defined} non-null rows`);
  if (encoding === "PLAIN_DICTIONARY" || encoding === "RLE_DICTIONARY") {
    if (!dictionary) throw new Error(`${encoding} values without a dictionary page`);
    for (let i = 0; i < decoded.length; i++) {
      const index = decoded[i];
      if (typeof index !== "number" || !(index >= 0 && index < dictionary.length))
        throw new Error(`dictionary index ${String(index)} outside the ${dictionary.length}-value dictionary`);
    }
    return { rows: n, present, indices: decoded as ArrayLike<number> };
  }
  const values = hyparquetPages.convert(decoded, decoder);
  for (let i = 0; i < values.length; i++)
    if (values[i] === undefined || values[i] === null) throw new Error(`value ${i} does not decode`);
  return { rows: n, present, values };
}
