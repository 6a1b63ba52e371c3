/**
 * A dataset split file (JSONL) written again as Parquet, streamed, by DuckDB (`@duckdb/node-api`:
 * its JSON reader and Parquet writer, in this process). The columns are declared per format,
 * so every file of a format has the same schema whatever its records hold (an optional
 * metadata field absent from every record is still a column, null throughout):
 *
 *   alpaca    instruction, input, output: string; metadata: struct (RecordMetadata)
 *   chat      messages: list of struct {role, content}
 *   sharegpt  conversations: list of struct {from, value}
 *
 * Records keep their order (DuckDB preserves insertion order in COPY). Memory is bounded by
 * DuckDB's own limit (`memory_limit` below) and one thread: rows are read and written in row
 * groups of ROW_GROUP_ROWS, never the file whole.
 */
import type { DatasetFormat } from '../domain/dataset-formats.ts';

/** Rows per row group: DuckDB holds about one row group of records in memory. */
export const ROW_GROUP_ROWS = 2_000;
/** DuckDB's memory cap for one conversion (it works within it, streaming). */
const MEMORY_LIMIT = '256MB';
/** The longest record line DuckDB's JSON reader accepts (its default is 16 MB; it reads in buffers of twice this). */
const MAX_RECORD_BYTES = 32 * 1024 * 1024;

const METADATA =
  'STRUCT(custom_id VARCHAR, scenario VARCHAR, repo VARCHAR, slice_id VARCHAR, file_path VARCHAR, ' +
  'name VARCHAR, complexity VARCHAR, attempt BIGINT, batch_id VARCHAR, requirement VARCHAR, ' +
  'reasoning_summary VARCHAR)';

/** The columns of a split file of each format, as DuckDB types. */
export const PARQUET_COLUMNS: Record<DatasetFormat, Record<string, string>> = {
  alpaca: { instruction: 'VARCHAR', input: 'VARCHAR', output: 'VARCHAR', metadata: METADATA },
  chat: { messages: 'STRUCT(role VARCHAR, content VARCHAR)[]' },
  sharegpt: { conversations: 'STRUCT("from" VARCHAR, value VARCHAR)[]' },
};

const quote = (text: string): string => `'${text.replaceAll("'", "''")}'`;

function columnsLiteral(format: DatasetFormat): string {
  const entries = Object.entries(PARQUET_COLUMNS[format]).map(
    ([name, type]) => `${quote(name)}: ${quote(type)}`,
  );
  return `{${entries.join(', ')}}`;
}

/** Writes `parquetPath` from the JSONL split file `jsonlPath`; returns its rows. */
export async function writeParquetFromJsonl(
  jsonlPath: string,
  parquetPath: string,
  format: DatasetFormat,
): Promise<number> {
  // Loaded here, when a Parquet file is first written (compile.parquet, off by default): loaded
  // with the module, the library and its native module kept 14 to 17 MB resident in every
  // process that imports the compilation (an idle daemon: 148 to 152 MB against 165 MB).
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:', {
    threads: '1',
    memory_limit: MEMORY_LIMIT,
    preserve_insertion_order: 'true',
  });
  try {
    const connection = await instance.connect();
    try {
      const result = await connection.run(
        `COPY (SELECT * FROM read_json(${quote(jsonlPath)}, format = 'newline_delimited', ` +
          `columns = ${columnsLiteral(format)}, maximum_object_size = ${MAX_RECORD_BYTES})) ` +
          `TO ${quote(parquetPath)} (FORMAT parquet, COMPRESSION snappy, ROW_GROUP_SIZE ${ROW_GROUP_ROWS})`,
      );
      const rows = await result.getRows();
      return Number(rows[0]?.[0] ?? 0);
    } finally {
      connection.closeSync();
    }
  } finally {
    instance.closeSync();
  }
}
