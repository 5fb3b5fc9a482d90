// A CSV reader for catalog uploads (RFC 4180): fields separated by commas, records by CRLF
// or LF, a field in double quotes may hold commas, line breaks and doubled quotes ("").
// A byte order mark at the start (Excel writes one) is dropped.

/** CSVError is a file that is not CSV; line is where the reader gave up (1-based). */
export class CSVError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
    this.name = "CSVError";
  }
}

/**
 * parseCSV returns the file's records, each a list of fields. A final line break does not
 * start an empty record; a blank line inside the file is a record of one empty field, so
 * record numbers stay those a spreadsheet shows.
 */
export function parseCSV(text: string): string[][] {
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const records: string[][] = [];
  let record: string[] = [];
  let field = "";
  let quoted = false; // inside a quoted field
  let line = 1;
  let quoteLine = 1; // where the quoted field began, for the error of one never closed
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        // After the closing quote only a separator, a line break or the end may come.
        const next = text[i];
        if (i < n && next !== "," && next !== "\n" && next !== "\r") throw new CSVError(`Line ${line}: a quoted field must end at a comma or a line break.`, line);
        continue;
      }
      if (c === "\n") line++;
      field += c;
      i++;
      continue;
    }
    if (c === '"') {
      if (field !== "") throw new CSVError(`Line ${line}: a quote inside an unquoted field; put the whole field in quotes and double the quote ("").`, line);
      quoted = true;
      quoteLine = line;
      i++;
    } else if (c === ",") {
      record.push(field);
      field = "";
      i++;
    } else if (c === "\r" || c === "\n") {
      record.push(field);
      records.push(record);
      record = [];
      field = "";
      i += c === "\r" && text[i + 1] === "\n" ? 2 : 1;
      line++;
    } else {
      field += c;
      i++;
    }
  }
  if (quoted) throw new CSVError(`Line ${quoteLine}: a quoted field begins here and is never closed.`, quoteLine);
  if (field !== "" || record.length > 0) {
    record.push(field);
    records.push(record);
  }
  return records;
}
