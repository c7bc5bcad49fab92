import type { Request } from "express";
import busboy from "busboy";
import { z } from "zod";
import { IMPORT_CHUNK_BYTES, IMPORT_FORMATS, ImportFormat, importJobSchema } from "../../../libs/contracts";
import { BadRequestError, PayloadTooLargeError, UnsupportedMediaTypeError, ValidationError } from "../../../libs/errors";
import { idParams, route, RouteDef } from "../http/route";
import { callAs, GatewayContext } from "./context";
import { problemResponse, problemResponses } from "./problems";

const tag = "imports";

interface Upload {
  format: ImportFormat;
  filename: string;
  data: Buffer;
}

const tooLarge = (max: number) => new PayloadTooLargeError(`an import file may have at most ${max} bytes (IMPORT_MAX_BYTES)`);
const invalid = (path: string, message: string) => new ValidationError("Invalid import", [{ path: `body.${path}`, message }]);

/**
 * Reads a multipart/form-data request with exactly a `format` field and a `file` part, holding
 * the file in memory up to `maxBytes` (413 beyond, as soon as it is passed).
 */
export function readUpload(req: Request, maxBytes: number): Promise<Upload> {
  const declared = Number(req.get("content-length") ?? 0);
  // The multipart framing adds a little; a body much larger than the cap cannot hold a file within it.
  if (declared > maxBytes + 64 * 1024) return Promise.reject(tooLarge(maxBytes));
  let parser: busboy.Busboy;
  try {
    parser = busboy({ headers: req.headers, limits: { fileSize: maxBytes, files: 1, fields: 2, parts: 3, fieldSize: 1024, fieldNameSize: 100 } });
  } catch {
    return Promise.reject(new UnsupportedMediaTypeError("send the file as multipart/form-data with a `file` part and a `format` field"));
  }
  return new Promise<Upload>((resolve, reject) => {
    let format: string | undefined;
    let file: { filename: string; data: Buffer } | undefined;
    let failure: Error | undefined;
    const fail = (err: Error) => {
      failure ??= err;
      req.unpipe(parser);
      req.resume();
      reject(failure);
    };
    parser.on("field", (name, value) => {
      if (name !== "format") fail(invalid(name, "is not a field of an import (file and format are)"));
      else format = value;
    });
    parser.on("file", (name, stream, info) => {
      if (name !== "file" || file) {
        stream.resume();
        fail(invalid(name, name === "file" ? "only one file per import" : "is not a field of an import (file and format are)"));
        return;
      }
      const parts: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => parts.push(chunk));
      stream.on("limit", () => fail(tooLarge(maxBytes)));
      stream.on("end", () => {
        file = { filename: info.filename ?? "", data: Buffer.concat(parts) };
      });
    });
    parser.on("partsLimit", () => fail(invalid("", "too many parts: send file and format only")));
    parser.on("filesLimit", () => fail(invalid("file", "only one file per import")));
    parser.on("fieldsLimit", () => fail(invalid("", "too many fields: send file and format only")));
    parser.on("error", (err: Error) => fail(new BadRequestError(`malformed multipart body: ${err.message}`)));
    parser.on("close", () => {
      if (failure) return;
      if (!file) return fail(invalid("file", "is required: the file to import"));
      if (!format) return fail(invalid("format", `is required: one of ${IMPORT_FORMATS.join(", ")}`));
      if (!(IMPORT_FORMATS as readonly string[]).includes(format)) return fail(invalid("format", `must be one of ${IMPORT_FORMATS.join(", ")}`));
      if (file.data.length === 0) return fail(invalid("file", "is empty"));
      const upload = { format: format as ImportFormat, filename: file.filename.slice(0, 255), data: file.data };
      // The body read to its end (its epilogue too), so the connection is fit for the next request.
      if (req.readableEnded) resolve(upload);
      else req.once("end", () => resolve(upload)).resume();
    });
    req.pipe(parser);
  });
}

const uploadDoc = z
  .object({
    file: z.string().meta({ format: "binary", description: "the file: a Todoist template CSV, a Todoist backup zip, a Vikunja export zip (or its data.json), or an iCalendar file" }),
    format: z.enum(IMPORT_FORMATS),
  })
  .meta({ id: "ImportUpload" });

const IMPORT_DOC = [
  "Imports a file into the caller's account: its projects become projects the caller owns, its tasks their tasks (through the same path as",
  "POST /tasks: events, search, reminders and history all follow). `todoist-csv`: one project's template (TYPE, CONTENT with @labels,",
  "DESCRIPTION, PRIORITY p1..p4 → urgent, high, medium, none (empty: p1, as Todoist documents), INDENT → subtasks, DATE read by quick add",
  "(DATE_LANG en or de, in TIMEZONE; \"every ...\" becomes a recurrence), note rows as comments on the task above), the project named after the file; `todoist-backup`: a zip of such",
  "CSVs, one per project; `vikunja`: Vikunja's export zip (data.json: projects, tasks, done, due dates, priority 0..5, labels, repeat, reminders,",
  "subtask relations); `ics`: VTODOs (SUMMARY, DESCRIPTION, DUE or DTSTART with TZID, PRIORITY, STATUS, CATEGORIES, RRULE, EXDATE, VALARM,",
  "RELATED-TO). The file is read whole before anything is created: one that cannot be read answers 422 and creates nothing. Then 202 with the",
  "import's id, and the work goes on in the background (GET /imports/:id shows progress). Importing the same file (the same source items) again",
  "creates nothing new: each source item is remembered with what it became, and counted as `skipped` (a task deleted since is not brought back).",
  "What cannot be mapped (sections, assignees, durations, dates not understood, rules Todogenie cannot hold) is listed in",
  "`report.unmapped`, the task imported without it where it can be. `created` and `skipped` count projects and tasks (not comments). Past the projects-per-user limit a file's further projects are not",
  "created and their tasks are imported without a project (reported). Limits: IMPORT_MAX_BYTES per file (413), a zip inflating to at most",
  "four times that, 50,000 items per file (422), IMPORT_MAX_CONCURRENT imports running per user at once (429 with Retry-After).",
].join(" ");

export function importRoutes(ctx: GatewayContext, maxBytes: number): RouteDef[] {
  return [
    route({
      method: "post", path: "/imports", tag, auth: true,
      summary: "Import a Todoist, Vikunja or iCalendar file (multipart/form-data: file + format)",
      description: IMPORT_DOC,
      multipart: uploadDoc,
      responses: {
        202: { description: "Accepted: the import runs; poll GET /imports/:id", schema: z.object({ id: z.uuid() }) },
        ...problemResponses(400, 401, 403, 415, 422, 429),
        ...problemResponse(413, "The file is larger than IMPORT_MAX_BYTES"),
      },
      raw: false,
      handle: async ({ auth, req }) => {
        const upload = await readUpload(req, maxBytes);
        const { id } = await callAs(ctx, auth, "tasks.importBegin", { format: upload.format, filename: upload.filename, size: upload.data.length });
        // The bus carries at most 1 MB a message: the file goes over in chunks.
        for (let seq = 0; seq * IMPORT_CHUNK_BYTES < upload.data.length; seq++) {
          const data = upload.data.subarray(seq * IMPORT_CHUNK_BYTES, (seq + 1) * IMPORT_CHUNK_BYTES).toString("base64");
          await callAs(ctx, auth, "tasks.importChunk", { id, seq, data });
        }
        await callAs(ctx, auth, "tasks.importStart", { id });
        return { status: 202, body: { id }, headers: { Location: `/api/v1/imports/${id}` } };
      },
    }),
    route({
      method: "get", path: "/imports/:id", tag, auth: true,
      summary: "An import's status, progress and report (404 for another user's)",
      description:
        "`status` running, done or failed (`reason` says why); `progress` counts the file's items (projects and tasks) worked through; " +
        "`report.created` what was created, `report.skipped` what an earlier import of the same items had created, `report.unmapped` what was " +
        "not imported or not entirely, each line naming the item and the reason (at most 1000 lines, then how many more).",
      params: idParams,
      responses: { 200: { description: "The import", schema: importJobSchema }, ...problemResponses(401, 403, 404, 422) },
      handle: async ({ auth, params }) => ({ status: 200, body: await callAs(ctx, auth, "tasks.importGet", params) }),
    }),
  ];
}
