/** One record of a CSV text and the line it starts on (from 1). */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/** Text that is not CSV, e.g. a quote never closed. */
export class CsvSyntaxError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
    this.name = 'CsvSyntaxError';
  }
}

enum State {
  FieldStart,
  Unquoted,
  Quoted,
  /** A quote inside a quoted field: either the first of "" or the closing one. */
  QuoteInQuoted,
}

/**
 * RFC 4180 CSV, fed in chunks of any size: fields separated by commas, records by LF, CRLF or CR;
 * a field in double quotes may hold commas, line breaks and quotes written twice (""). A quote
 * inside an unquoted field is kept as it is. Blank lines are skipped; a leading BOM is dropped.
 */
export class CsvParser {
  private state = State.FieldStart;
  private field = '';
  private fields: string[] = [];
  private line = 1;
  private recordLine = 1;
  /** Whether the current record has any character, so a blank line is no record. */
  private started = false;
  /** The last character was CR: an LF right after it ends nothing more and counts no new line. */
  private afterCr = false;
  private first = true;

  /** The records completed by this chunk. */
  push(chunk: string): CsvRecord[] {
    const records: CsvRecord[] = [];
    let text = chunk;
    if (this.first && text.length) {
      this.first = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    for (let i = 0; i < text.length; i++) {
      const char = text[i];
      const afterCr = this.afterCr;
      this.afterCr = char === '\r';
      if (char === '\n' && afterCr) {
        if (this.state === State.Quoted) this.field += char;
        continue;
      }
      const lineBreak = char === '\n' || char === '\r';
      switch (this.state) {
        case State.Quoted:
          if (char === '"') this.state = State.QuoteInQuoted;
          else this.field += char;
          if (lineBreak) this.line++;
          continue;
        case State.QuoteInQuoted:
          if (char === '"') {
            this.field += char;
            this.state = State.Quoted;
            continue;
          }
          if (char !== ',' && !lineBreak) throw new CsvSyntaxError(this.line, `unexpected ${JSON.stringify(char)} after a closing quote`);
          break;
        case State.FieldStart:
          if (char === '"') {
            this.state = State.Quoted;
            this.started = true;
            continue;
          }
          break;
        case State.Unquoted:
          break;
      }
      if (char === ',') {
        this.endField();
        this.started = true;
      } else if (lineBreak) {
        const record = this.endRecord();
        if (record) records.push(record);
        this.line++;
        this.recordLine = this.line;
      } else {
        this.field += char;
        this.state = State.Unquoted;
        this.started = true;
      }
    }
    return records;
  }

  /** The last record, when the text does not end with a line break; throws on an unclosed quote. */
  end(): CsvRecord[] {
    if (this.state === State.Quoted) throw new CsvSyntaxError(this.recordLine, 'a quoted field is never closed');
    const record = this.endRecord();
    return record ? [record] : [];
  }

  private endField(): void {
    this.fields.push(this.field);
    this.field = '';
    this.state = State.FieldStart;
  }

  private endRecord(): CsvRecord | null {
    if (!this.started) return null;
    this.endField();
    const record = { line: this.recordLine, fields: this.fields };
    this.fields = [];
    this.started = false;
    return record;
  }
}

/** The records of a text arriving in chunks (e.g. a file stream read as UTF-8). */
export async function* parseCsv(chunks: AsyncIterable<string>): AsyncGenerator<CsvRecord> {
  const parser = new CsvParser();
  for await (const chunk of chunks) yield* parser.push(chunk);
  yield* parser.end();
}
