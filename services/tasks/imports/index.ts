import type { ImportFormat } from "../../../libs/contracts";
import { DEFAULT_PARSE_LIMITS, ParsedImport, ParseLimits } from "./items";
import { parseIcs } from "./ics";
import { parseTodoistBackup, parseTodoistCsv, projectNameOf } from "./todoist";
import { parseVikunja } from "./vikunja";

export * from "./items";

/** A file in one of the import formats, read into items; throws ImportFormatError for one it cannot read. */
export function parseImport(format: ImportFormat, file: Uint8Array, options: { filename: string; timezone: string; limits?: ParseLimits }): ParsedImport {
  const limits = options.limits ?? DEFAULT_PARSE_LIMITS;
  switch (format) {
    case "todoist-csv":
      return parseTodoistCsv(new TextDecoder("utf-8").decode(file), projectNameOf(options.filename), limits);
    case "todoist-backup":
      return parseTodoistBackup(file, limits);
    case "vikunja":
      return parseVikunja(file, limits);
    case "ics":
      return parseIcs(file, options.timezone, limits);
  }
}
