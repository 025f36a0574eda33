import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ImportFileError, ImportFileRow, ImportFormat, importFormatOf, readImportFile } from './import-file';

const FIELDS = ['providerId', 'serviceName', 'note'];

describe('import files', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'herald-import-file-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  async function rows(name: string, content: string, format: ImportFormat): Promise<ImportFileRow[]> {
    const path = join(dir, name);
    writeFileSync(path, content);
    const read: ImportFileRow[] = [];
    for await (const row of readImportFile(path, format, FIELDS)) read.push(row);
    return read;
  }

  describe(importFormatOf.name, () => {
    it.each([
      ['a.csv', undefined, ImportFormat.Csv],
      ['a.CSV', undefined, ImportFormat.Csv],
      ['a.jsonl', undefined, ImportFormat.JsonLines],
      ['a.ndjson', undefined, ImportFormat.JsonLines],
      ['a.txt', 'csv', ImportFormat.Csv],
      ['a.csv', 'ndjson', ImportFormat.JsonLines],
    ])('reads %s with --format %s as %s', (path, requested, format) => {
      expect(importFormatOf(path, requested)).toBe(format);
    });

    it('asks for --format when the name does not tell, and refuses unknown formats', () => {
      expect(() => importFormatOf('bookings.txt')).toThrow(new ImportFileError('Cannot tell the format of bookings.txt from its name; pass --format csv or --format jsonl'));
      expect(() => importFormatOf('bookings.csv', 'xml')).toThrow(new ImportFileError('Unknown format "xml"; use csv, jsonl or ndjson'));
    });
  });

  describe('CSV', () => {
    it('maps each record onto the header, leaving empty cells out', async () => {
      expect(await rows('ok.csv', ' providerId ,note,serviceName\np1,,Haircut\np2,"a, ""b""",Shave\n', ImportFormat.Csv)).toEqual([
        { line: 2, item: { providerId: 'p1', serviceName: 'Haircut' } },
        { line: 3, item: { providerId: 'p2', note: 'a, "b"', serviceName: 'Shave' } },
      ]);
    });

    it('reports a record whose field count differs from the header', async () => {
      expect(await rows('short.csv', 'providerId,note\np1\n', ImportFormat.Csv)).toEqual([{ line: 2, problem: 'has 1 fields, the header has 2' }]);
    });

    it('refuses unknown and repeated columns', async () => {
      await expect(rows('unknown.csv', 'providerId,colour\n', ImportFormat.Csv)).rejects.toThrow('Unknown column(s) "colour" on line 1; columns are providerId, serviceName, note');
      await expect(rows('twice.csv', 'note,providerId,note\n', ImportFormat.Csv)).rejects.toThrow('Column(s) note appear more than once on line 1');
    });
  });

  describe('JSON lines', () => {
    it('parses each non-blank line, numbering lines from 1 and dropping a BOM', async () => {
      expect(await rows('ok.jsonl', '\uFEFF{"providerId":"p1"}\r\n\r\n[1]\n{oops\n', ImportFormat.JsonLines)).toEqual([
        { line: 1, item: { providerId: 'p1' } },
        { line: 3, item: [1] },
        { line: 4, problem: expect.stringMatching(/^is not valid JSON \(/) },
      ]);
    });
  });
});
