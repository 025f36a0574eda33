import { createReadStream } from 'node:fs';
import { extname } from 'node:path';
import { createInterface } from 'node:readline';
import { parseCsv } from '../core/csv/csv-parser';

export enum ImportFormat {
  Csv = 'csv',
  JsonLines = 'jsonl',
}

const FORMAT_NAMES: Record<string, ImportFormat> = { csv: ImportFormat.Csv, jsonl: ImportFormat.JsonLines, ndjson: ImportFormat.JsonLines };

/** A file that cannot be imported at all (unknown format, bad header, broken CSV); nothing is written. */
export class ImportFileError extends Error {
  override name = 'ImportFileError';
}

/** The format named by `--format`, else by the file's extension. */
export function importFormatOf(path: string, requested?: string): ImportFormat {
  const name = (requested ?? extname(path).slice(1)).toLowerCase();
  const format = FORMAT_NAMES[name];
  if (!format) {
    throw new ImportFileError(
      requested ? `Unknown format "${requested}"; use csv, jsonl or ndjson` : `Cannot tell the format of ${path} from its name; pass --format csv or --format jsonl`,
    );
  }
  return format;
}

/** One item of a file and the line it starts on, or why that line holds no item. */
export type ImportFileRow = { line: number; item: unknown } | { line: number; problem: string };

/**
 * The items of an import file, streamed. CSV: a header row naming input fields (each from
 * `fields`, once), then one item per record; an empty cell leaves its field out. JSON lines: one
 * object per non-blank line. A bad row is reported as a problem; a bad file throws ImportFileError.
 */
export function readImportFile(path: string, format: ImportFormat, fields: readonly string[]): AsyncGenerator<ImportFileRow> {
  return format === ImportFormat.Csv ? readCsv(path, fields) : readJsonLines(path);
}

async function* readCsv(path: string, fields: readonly string[]): AsyncGenerator<ImportFileRow> {
  let header: string[] | null = null;
  for await (const record of parseCsv(createReadStream(path, { encoding: 'utf8' }))) {
    if (!header) {
      header = checkedHeader(record.fields.map((name) => name.trim()), fields);
      continue;
    }
    if (record.fields.length !== header.length) {
      yield { line: record.line, problem: `has ${record.fields.length} fields, the header has ${header.length}` };
      continue;
    }
    const item: Record<string, string> = {};
    record.fields.forEach((value, column) => {
      if (value !== '') item[header![column]] = value;
    });
    yield { line: record.line, item };
  }
}

function checkedHeader(names: string[], fields: readonly string[]): string[] {
  const unknown = names.filter((name) => !fields.includes(name));
  if (unknown.length) throw new ImportFileError(`Unknown column(s) ${unknown.map((name) => `"${name}"`).join(', ')} on line 1; columns are ${fields.join(', ')}`);
  const repeated = names.filter((name, index) => names.indexOf(name) !== index);
  if (repeated.length) throw new ImportFileError(`Column(s) ${[...new Set(repeated)].join(', ')} appear more than once on line 1`);
  return names;
}

async function* readJsonLines(path: string): AsyncGenerator<ImportFileRow> {
  let line = 0;
  for await (const text of createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity })) {
    line++;
    if (text.trim() === '') continue;
    yield parseJsonLine(line, line === 1 ? text.replace(/^\uFEFF/, '') : text);
  }
}

function parseJsonLine(line: number, text: string): ImportFileRow {
  try {
    return { line, item: JSON.parse(text) as unknown };
  } catch (error) {
    return { line, problem: `is not valid JSON (${(error as Error).message})` };
  }
}
