/**
 * What an admin command prints. `--json`: exactly one JSON object on stdout. Otherwise one
 * "key: value" line per field, and a list (an array of objects) as a table under its name: one
 * row per item, columns aligned, headed by the same names as the JSON; an empty list is
 * "key: none"; a list of values is "key: a,b,c". Times are ISO-8601 (UTC) in both forms.
 */

/** How a field, or a column of a table, prints its values when the default (below) would mislead. */
export type CellFormats = Record<string, (value: unknown) => string>;

/** A table cell: ISO-8601 for a time, "-" for nothing, a list joined by commas ("[]" when empty). */
export function cell(value: unknown): string {
  if (value === null || value === undefined || value === '') return '-';
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.length ? value.map(cell).join(',') : '[]';
  if (typeof value === 'object') return JSON.stringify(value);
  return oneLine(String(value));
}

/** One line per row or field, whatever a name holds: its control characters (a newline) as spaces. */
const oneLine = (text: string) => text.replace(/[\u0000-\u001f\u007f]/g, ' ');

const isList = (v: unknown): v is Record<string, unknown>[] =>
  Array.isArray(v) && v.every((item) => item !== null && typeof item === 'object' && !Array.isArray(item) && !(item instanceof Date));

/** The rows of a list as aligned columns (two spaces apart), header first, each line indented. */
export function table(rows: Record<string, unknown>[], formats: CellFormats = {}, indent = '  '): string[] {
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const cells = rows.map((r) => columns.map((c) => (formats[c] ?? cell)(r[c])));
  const widths = columns.map((c, i) => Math.max(c.length, ...cells.map((row) => row[i].length)));
  return [columns, ...cells].map((line) => indent + line.map((v, i) => (i === line.length - 1 ? v : v.padEnd(widths[i]))).join('  '));
}

/** The text form of a command's result. */
export function formatText(result: object, formats: CellFormats = {}): string {
  const lines: string[] = [];
  for (const [k, v] of Object.entries(result)) {
    const format = formats[k];
    if (format) lines.push(`${k}: ${format(v)}`);
    else if (isList(v) && Array.isArray(v)) {
      if (v.length === 0) lines.push(`${k}: none`);
      else lines.push(`${k}:`, ...table(v, formats));
    } else if (Array.isArray(v)) lines.push(`${k}: ${cell(v)}`); // values, as a table cell lists them (`taxonomy seed`'s ids printed as JSON)
    else if (v instanceof Date) lines.push(`${k}: ${v.toISOString()}`);
    // A name's newline printed a second line, no field's (CLI QA: `org create --name $'two\nlines'`).
    else lines.push(`${k}: ${v !== null && typeof v === 'object' ? JSON.stringify(v) : typeof v === 'string' ? oneLine(v) : v}`);
  }
  return lines.map((l) => `${l}\n`).join('');
}

/** Prints a command's result: one JSON object with --json, else formatText. */
export function output(result: object, json: boolean | undefined, formats?: CellFormats) {
  process.stdout.write(json ? `${JSON.stringify(result)}\n` : formatText(result, formats));
}
