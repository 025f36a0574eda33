import { CsvParser, CsvSyntaxError, parseCsv } from './csv-parser';

/** Parses `text` fed in chunks of `size` characters, so every split point gets its turn. */
function parse(text: string, size = text.length || 1): { line: number; fields: string[] }[] {
  const parser = new CsvParser();
  const records = [];
  for (let i = 0; i < text.length; i += size) records.push(...parser.push(text.slice(i, i + size)));
  return [...records, ...parser.end()];
}

describe(CsvParser.name, () => {
  it('splits records and fields, numbering records by their first line', () => {
    expect(parse('a,b,c\n1,2,3\n')).toEqual([
      { line: 1, fields: ['a', 'b', 'c'] },
      { line: 2, fields: ['1', '2', '3'] },
    ]);
  });

  it('keeps empty fields, including a trailing one', () => {
    expect(parse('a,,c,\n,\n')).toEqual([
      { line: 1, fields: ['a', '', 'c', ''] },
      { line: 2, fields: ['', ''] },
    ]);
  });

  it('reads quoted fields holding commas, doubled quotes and line breaks', () => {
    const text = 'name,note\n"Smith, Ann","She said ""hi""\nand left"\nplain,"x"\n';
    expect(parse(text)).toEqual([
      { line: 1, fields: ['name', 'note'] },
      { line: 2, fields: ['Smith, Ann', 'She said "hi"\nand left'] },
      { line: 4, fields: ['plain', 'x'] },
    ]);
  });

  it('gives the same records whatever the chunk boundaries', () => {
    const text = '\uFEFFa,"b ""q"", c"\r\n"multi\r\nline",x\r\n\r\nlast,"",end';
    const whole = parse(text);
    expect(whole).toEqual([
      { line: 1, fields: ['a', 'b "q", c'] },
      { line: 2, fields: ['multi\r\nline', 'x'] },
      { line: 5, fields: ['last', '', 'end'] },
    ]);
    for (const size of [1, 2, 3, 5, 7]) expect(parse(text, size)).toEqual(whole);
  });

  it('accepts LF, CRLF and lone CR line ends, and skips blank lines', () => {
    expect(parse('a\r\nb\rc\n\n\nd')).toEqual([
      { line: 1, fields: ['a'] },
      { line: 2, fields: ['b'] },
      { line: 3, fields: ['c'] },
      { line: 6, fields: ['d'] },
    ]);
  });

  it('keeps a quote inside an unquoted field as it is', () => {
    expect(parse('5" screen,ok\n')).toEqual([{ line: 1, fields: ['5" screen', 'ok'] }]);
  });

  it('refuses text after a closing quote, naming the line', () => {
    expect(() => parse('ok\n"a"b,c\n')).toThrow(new CsvSyntaxError(2, 'unexpected "b" after a closing quote'));
  });

  it('refuses a quote that is never closed, naming the line it opened on', () => {
    expect(() => parse('a,b\n1,"open\nstill open\n')).toThrow(new CsvSyntaxError(2, 'a quoted field is never closed'));
  });

  it('yields nothing for empty text', () => {
    expect(parse('')).toEqual([]);
    expect(parse('\n\r\n')).toEqual([]);
  });

  it('parses an async stream of chunks', async () => {
    async function* chunks() {
      yield 'a,"b';
      yield '\n"\n1,2';
    }
    const records = [];
    for await (const record of parseCsv(chunks())) records.push(record);
    expect(records).toEqual([
      { line: 1, fields: ['a', 'b\n'] },
      { line: 3, fields: ['1', '2'] },
    ]);
  });
});
