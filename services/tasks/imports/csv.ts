import { ImportFormatError } from "./items";

/**
 * RFC 4180 CSV: comma-separated, fields in double quotes may hold commas, line breaks and
 * doubled quotes. A leading byte-order mark is dropped; CRLF and LF both end a record.
 */
export function parseCsv(text: string, maxRows: number): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  const endRow = () => {
    row.push(field);
    field = "";
    if (!(row.length === 1 && row[0] === "")) rows.push(row);
    if (rows.length > maxRows) throw new ImportFormatError(`the file holds more than ${maxRows} rows`);
    row = [];
  };
  for (; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i++;
        } else quoted = false;
      } else field += c;
    } else if (c === '"' && field === "") quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n") endRow();
    else if (c === "\r") {
      if (text[i + 1] === "\n") i++;
      endRow();
    } else field += c;
  }
  if (quoted) throw new ImportFormatError("a quoted field is never closed");
  if (field !== "" || row.length) endRow();
  return rows;
}
