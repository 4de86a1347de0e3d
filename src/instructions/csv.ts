/** One field of a CSV record, with where its text starts in the input. */
export interface CsvField {
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

/**
 * Reads the first record of `input` as Go's encoding/csv does with default settings
 * (BuildKit reads `--mount` values this way): comma separated, a field may be wrapped in
 * double quotes (`""` inside is a quote), a quote inside an unquoted field is an error,
 * and an empty input has no record. Returns the fields or an error message.
 */
export function readCsvRecord(input: string): CsvField[] | string {
  const line = input.split('\n')[0]!.replace(/\r$/, '');
  if (line === '') return 'EOF';
  const fields: CsvField[] = [];
  let i = 0;
  for (;;) {
    const start = i;
    let text = '';
    if (line[i] === '"') {
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) return `extraneous or missing " in quoted-field at column ${start + 1}`;
        text += line.slice(i, q);
        i = q + 1;
        if (line[i] === '"') {
          text += '"';
          i++;
          continue;
        }
        if (i < line.length && line[i] !== ',') return `extraneous or missing " in quoted-field at column ${i + 1}`;
        break;
      }
    } else {
      const comma = line.indexOf(',', i);
      const stop = comma < 0 ? line.length : comma;
      text = line.slice(i, stop);
      const quote = text.indexOf('"');
      if (quote >= 0) return `bare " in non-quoted-field at column ${i + quote + 1}`;
      i = stop;
    }
    fields.push({ text, start, end: i });
    if (i >= line.length) return fields;
    i++; // the comma
    if (i === line.length) {
      fields.push({ text: '', start: i, end: i });
      return fields;
    }
  }
}
