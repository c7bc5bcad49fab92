import express, { type NextFunction, type Request, type Response, type Router } from "express";
import { authMetaFor } from "../../../libs/authz";
import { call } from "../../../libs/broker/bus";
import { httpRequestDuration } from "../../../libs/metrics";
import type { AuthMeta, TaskDto, UpdateTaskInput } from "../../../libs/contracts";
import { ICAL, IcalInputError, parseVtodo, readKept, vcalendar, type DavKept, type ParsedTodo } from "../export/ical";
import { callAs, type GatewayContext } from "../routes/context";
import {
  changesSince,
  collectionOf,
  collectionsOf,
  ctagOf,
  inCollection,
  membersOf,
  nameOf,
  taskIdFor,
  type Collection,
} from "./collections";
import { checkFilter, matchesFilter, UnsupportedFilter } from "./filters";
import {
  child,
  children,
  clark,
  clarkOf,
  D,
  errorBody,
  escapeXml,
  is,
  multistatus,
  NS,
  parseXml,
  response,
  statusResponse,
  textOf,
  XmlInputError,
  type Element,
  type PropName,
} from "./xml";

/** The largest request body accepted (an object, a REPORT): far above any task's. */
export const DAV_BODY_LIMIT = "1mb";
export const DAV_BASE = "/dav";
const REALM = 'Basic realm="Todogenie CalDAV", charset="UTF-8"';
const SYNC_PREFIX = "urn:todogenie:sync:";
const ICS_TYPE = "text/calendar; charset=utf-8; component=VTODO";

/** An answer other than a multistatus: a status, optionally a precondition (RFC 4918 16). */
class DavError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly condition?: PropName,
  ) {
    super(message);
  }
}

interface Caller {
  auth: AuthMeta;
  email: string;
  canWrite: boolean;
}

const C = (local: string) => clark(NS.C, local);
const CS = (local: string) => clark(NS.CS, local);

/** Basic auth: the account's email and one of its personal access tokens (tasks:read, or tasks:write to change). */
async function authenticate(ctx: GatewayContext, req: Request): Promise<Caller> {
  const header = req.headers.authorization ?? "";
  const m = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) throw new DavError(401, "Basic authentication with your email and a personal access token");
  const decoded = Buffer.from(m[1]!, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) throw new DavError(401, "malformed credentials");
  const email = decoded.slice(0, colon).trim();
  const found = await ctx.personalTokens.verify(decoded.slice(colon + 1).trim());
  const user = found && (await ctx.users.findById(found.userId));
  if (!found || !user || user.disabled || user.email.toLowerCase() !== email.toLowerCase()) {
    throw new DavError(401, "unknown email, or an unknown, revoked or expired personal access token");
  }
  const canRead = found.scopes.includes("tasks:read") || found.scopes.includes("tasks:write");
  if (!canRead) throw new DavError(403, "the token lacks the tasks:read scope");
  const memberships = await call(ctx.broker, "projects.memberships", { userId: user.id });
  return {
    auth: authMetaFor({ id: user.id, roles: user.roles, timezone: user.timezone }, memberships),
    email: user.email,
    canWrite: found.scopes.includes("tasks:write"),
  };
}

// ------------------------------------------------------------------------------------------
// Paths

type Target =
  | { kind: "root" }
  | { kind: "principals" }
  | { kind: "calendars" }
  | { kind: "principal"; userId: string }
  | { kind: "home"; userId: string }
  | { kind: "collection"; userId: string; key: string }
  | { kind: "object"; userId: string; key: string; name: string };

function targetOf(path: string): Target | undefined {
  const parts = path.split("/").filter(Boolean).map((p) => {
    try {
      return decodeURIComponent(p);
    } catch {
      return "\u0000";
    }
  });
  if (parts.some((p) => p.includes("\u0000") || p.includes("/") || p === ".." || p === ".")) return undefined;
  const [a, b, c, d, ...rest] = parts;
  if (rest.length) return undefined;
  if (!a) return { kind: "root" };
  if (a === "principals") return !b ? { kind: "principals" } : c ? undefined : { kind: "principal", userId: b };
  if (a !== "calendars") return undefined;
  if (!b) return { kind: "calendars" };
  if (!c) return { kind: "home", userId: b };
  if (!d) return { kind: "collection", userId: b, key: c };
  if (!d.toLowerCase().endsWith(".ics") || d.length <= 4 || d.length > 300) return undefined;
  return { kind: "object", userId: b, key: c, name: d.slice(0, -4) };
}

const enc = encodeURIComponent;
const principalHref = (userId: string) => `${DAV_BASE}/principals/${userId}/`;
const homeHref = (userId: string) => `${DAV_BASE}/calendars/${userId}/`;
const collectionHref = (userId: string, c: Collection) => `${homeHref(userId)}${enc(c.key)}/`;
const objectHref = (userId: string, c: Collection, name: string) => `${collectionHref(userId, c)}${enc(name)}.ics`;

/** The target's collection, checked against the caller (another user's home is not there: 404). */
async function collectionFor(ctx: GatewayContext, caller: Caller, t: { userId: string; key: string }): Promise<Collection> {
  if (t.userId.toLowerCase() !== caller.auth.userId) throw new DavError(404, "not found");
  const c = await collectionOf(ctx, caller.auth, t.key, caller.canWrite);
  if (!c) throw new DavError(404, "no such calendar");
  return c;
}

// ------------------------------------------------------------------------------------------
// Properties

type PropValue = string | undefined;
type PropSource = Map<PropName, () => PropValue | Promise<PropValue>>;

function privileges(writable: boolean): string {
  const names = ["read", "read-current-user-privilege-set", ...(writable ? ["write", "write-content", "write-properties", "bind", "unbind"] : [])];
  return names.map((n) => `<d:privilege><d:${n}/></d:privilege>`).join("");
}

const hrefXml = (href: string) => `<d:href>${escapeXml(href)}</d:href>`;

function commonProps(caller: Caller): PropSource {
  return new Map<PropName, () => PropValue>([
    [D("current-user-principal"), () => hrefXml(principalHref(caller.auth.userId))],
    [D("principal-collection-set"), () => hrefXml(`${DAV_BASE}/principals/`)],
  ]);
}

function principalProps(caller: Caller): PropSource {
  const p = commonProps(caller);
  p.set(D("resourcetype"), () => "<d:collection/><d:principal/>");
  p.set(D("displayname"), () => escapeXml(caller.email));
  p.set(C("calendar-home-set"), () => hrefXml(homeHref(caller.auth.userId)));
  p.set(C("calendar-user-address-set"), () => hrefXml(`mailto:${caller.email}`));
  p.set(D("principal-URL"), () => hrefXml(principalHref(caller.auth.userId)));
  p.set(D("owner"), () => hrefXml(principalHref(caller.auth.userId)));
  p.set(D("current-user-privilege-set"), () => privileges(false));
  return p;
}

function plainCollectionProps(caller: Caller): PropSource {
  const p = commonProps(caller);
  p.set(D("resourcetype"), () => "<d:collection/>");
  p.set(D("current-user-privilege-set"), () => privileges(false));
  p.set(D("owner"), () => hrefXml(principalHref(caller.auth.userId)));
  return p;
}

function homeProps(caller: Caller): PropSource {
  const p = plainCollectionProps(caller);
  p.set(C("calendar-home-set"), () => hrefXml(homeHref(caller.auth.userId)));
  return p;
}

const SUPPORTED_REPORTS = ["calendar-query", "calendar-multiget"]
  .map((r) => `<d:supported-report><d:report><cal:${r}/></d:report></d:supported-report>`)
  .concat("<d:supported-report><d:report><d:sync-collection/></d:report></d:supported-report>")
  .join("");

/** Everything the caller sees, read once per request however many calendars ask (a home's listing). */
type Everything = () => Promise<{ tasks: TaskDto[]; token: string }>;
const everythingOnce = (ctx: GatewayContext, caller: Caller): Everything => once(() => changesSince(ctx, caller.auth, undefined));

function calendarProps(ctx: GatewayContext, caller: Caller, c: Collection, everything: Everything = everythingOnce(ctx, caller)): PropSource {
  const state = once(async () => {
    const all = await everything();
    return { tasks: all.tasks.filter((t) => inCollection(c, caller.auth.userId, t)), token: all.token };
  });
  const p = commonProps(caller);
  p.set(D("resourcetype"), () => "<d:collection/><cal:calendar/>");
  p.set(D("displayname"), () => escapeXml(c.name));
  p.set(D("owner"), () => hrefXml(principalHref(caller.auth.userId)));
  p.set(D("current-user-privilege-set"), () => privileges(c.writable));
  p.set(C("supported-calendar-component-set"), () => '<cal:comp name="VTODO"/>');
  p.set(C("supported-calendar-data"), () => '<cal:calendar-data content-type="text/calendar" version="2.0"/>');
  p.set(C("calendar-description"), () => escapeXml(c.projectId ? `Todogenie project ${c.name}` : "Todogenie personal tasks"));
  p.set(C("max-resource-size"), () => String(1024 * 1024));
  p.set(D("supported-report-set"), () => SUPPORTED_REPORTS);
  p.set(D("getcontenttype"), () => "text/calendar; charset=utf-8");
  p.set(CS("getctag"), async () => escapeXml(ctagOf((await state()).tasks)));
  p.set(D("sync-token"), async () => escapeXml(SYNC_PREFIX + (await state()).token));
  return p;
}

function objectProps(c: Collection, task: TaskDto, body: () => string): PropSource {
  return new Map<PropName, () => PropValue>([
    [D("resourcetype"), () => ""],
    [D("getetag"), () => escapeXml(etagOf(task))],
    [D("getcontenttype"), () => ICS_TYPE],
    [D("getlastmodified"), () => new Date(task.updatedAt).toUTCString()],
    [D("getcontentlength"), () => String(Buffer.byteLength(body()))],
    [C("calendar-data"), () => escapeXml(body())],
    [D("current-user-privilege-set"), () => privileges(c.writable)],
  ]);
}

/** What a PROPFIND or REPORT asks for: named properties, all of them, or their names. */
type PropRequest = { kind: "prop"; names: PropName[] } | { kind: "allprop" } | { kind: "propname" };

function propRequestOf(el: Element | undefined): PropRequest {
  if (!el) return { kind: "allprop" };
  const prop = child(el, NS.D, "prop");
  if (prop) return { kind: "prop", names: children(prop).map(clarkOf) };
  if (child(el, NS.D, "propname")) return { kind: "propname" };
  return { kind: "allprop" };
}

/** Properties allprop leaves out (expensive or large: RFC 4918 9.1, RFC 4791 9.6). */
const NOT_IN_ALLPROP = new Set([C("calendar-data"), D("current-user-privilege-set"), D("supported-report-set"), D("sync-token"), CS("getctag")]);

async function answer(href: string, source: PropSource, request: PropRequest): Promise<string> {
  const found = new Map<PropName, string>();
  const missing: PropName[] = [];
  if (request.kind === "propname") {
    for (const name of source.keys()) found.set(name, "");
    return response(href, found);
  }
  const names = request.kind === "prop" ? request.names : [...source.keys()].filter((n) => !NOT_IN_ALLPROP.has(n));
  for (const name of names) {
    const get = source.get(name);
    const value = get && (await get());
    if (value === undefined) missing.push(name);
    else found.set(name, value);
  }
  return response(href, found, new Map([[404, missing]]));
}

// ------------------------------------------------------------------------------------------
// Objects

const etagOf = (task: TaskDto) => `"${task.version}"`;

/** How a task is served: one VCALENDAR, with its parent named by the parent's UID when it is in `known`. */
function serve(_ctx: GatewayContext, task: TaskDto, known?: Map<string, TaskDto>): string {
  // DTSTAMP is the object's last change (RFC 5545 3.8.7.2 without METHOD): the same ETag, the same bytes.
  return vcalendar(task, new Date(task.updatedAt), (id) => {
    const parent = known?.get(id);
    return (parent && readKept(parent).uid) ?? id;
  });
}

const codeOf = (err: unknown) => (err as { code?: unknown }).code;

/** One task served alone: its parent is read too, to name it by the UID its client gave it. */
async function serveOne(ctx: GatewayContext, caller: Caller, c: Collection, task: TaskDto): Promise<string> {
  const parent = task.parentId ? await findTask(ctx, caller, c, task.parentId) : undefined;
  return serve(ctx, task, parent && new Map([[parent.id, parent]]));
}

async function findTask(ctx: GatewayContext, caller: Caller, c: Collection, id: string): Promise<TaskDto | undefined> {
  try {
    const task = await callAs(ctx, caller.auth, "tasks.get", { id });
    return inCollection(c, caller.auth.userId, task) ? task : undefined;
  } catch (err) {
    if (codeOf(err) === 404) return undefined;
    throw err;
  }
}

/** `If-Match` / `If-None-Match` against the object as it is (absent: undefined). */
function checkConditions(req: Request, current: TaskDto | undefined): number | undefined {
  const ifMatch = req.get("if-match");
  const ifNoneMatch = req.get("if-none-match");
  if (ifNoneMatch !== undefined) {
    const tags = ifNoneMatch.split(",").map((s) => s.trim());
    if (current && (tags.includes("*") || tags.includes(etagOf(current)))) throw new DavError(412, "the object exists (If-None-Match)");
  }
  if (ifMatch !== undefined) {
    const tags = ifMatch.split(",").map((s) => s.trim().replace(/^W\//, ""));
    if (!current) throw new DavError(412, "no such object (If-Match)");
    if (!tags.includes("*") && !tags.includes(etagOf(current))) throw new DavError(412, `the object is at ${etagOf(current)} (If-Match)`);
    return current.version;
  }
  return undefined;
}

const keyOf = (r: { offset?: string; at?: string }) => (r.at ? `at:${new Date(r.at).toISOString()}` : `offset:${r.offset}`);
const sameSet = (a: string[], b: string[]) => a.length === b.length && [...a].sort().join("\u0001") === [...b].sort().join("\u0001");
const sameInstant = (a: string | null, b: string | null) => (a === null || b === null ? a === b : new Date(a).getTime() === new Date(b).getTime());
const ruleParts = (rule: string) => rule.toUpperCase().split(";").filter(Boolean);

/** The parent a VTODO names by UID: a task the caller sees, by its id or by the client's name for it in this collection. */
async function resolveParent(ctx: GatewayContext, caller: Caller, c: Collection, uid: string | null): Promise<string | null | undefined> {
  if (!uid) return null;
  const id = taskIdFor(c, caller.auth.userId, uid);
  const parent = await findTask(ctx, caller, c, id);
  // Unknown here: the line is kept as written instead.
  return parent ? parent.id : undefined;
}

function keptFor(parsed: ParsedTodo, taskId: string, name: string): DavKept {
  const kept: DavKept = { ...parsed.kept };
  if (parsed.uid !== taskId) kept.uid = parsed.uid;
  if (name !== taskId) kept.href = name;
  return kept;
}

const keptText = (kept: DavKept) => (Object.keys(kept).length ? JSON.stringify(kept) : undefined);

function parseBody(req: Request, zone: string): ParsedTodo {
  const body = bodyText(req);
  try {
    return parseVtodo(body, zone);
  } catch (err) {
    if (err instanceof IcalInputError) throw new DavError(403, err.message, C(err.precondition));
    throw new DavError(403, `not a valid iCalendar object: ${(err as Error).message}`, C("valid-calendar-data"));
  }
}

/** A change the tasks service refused: a DAV answer (an invalid rule, a viewer's write, a stale version...). */
function fromServiceError(err: unknown): never {
  const code = codeOf(err);
  const detail = (err as Error).message;
  const fields = ((err as { data?: { errors?: { path: string; message: string }[] } }).data?.errors ?? []).map((e) => `${e.path}: ${e.message}`);
  if (code === 422) throw new DavError(403, [detail, ...fields].join("; "), C("valid-calendar-object-resource"));
  if (code === 403) throw new DavError(403, detail, D("need-privileges"));
  if (code === 404) throw new DavError(404, detail);
  if (code === 409) throw new DavError(409, detail);
  if (code === 412) throw new DavError(412, detail);
  throw err;
}

async function put(ctx: GatewayContext, caller: Caller, c: Collection, name: string, req: Request, res: Response): Promise<void> {
  if (!caller.canWrite) throw new DavError(403, "the token lacks the tasks:write scope", D("need-privileges"));
  if (!c.writable) throw new DavError(403, "a viewer's calendar is read-only", D("need-privileges"));
  const id = taskIdFor(c, caller.auth.userId, name);
  const parsed = parseBody(req, caller.auth.timezone ?? "UTC");
  let current = await findTask(ctx, caller, c, id);
  const expected = checkConditions(req, current);
  const parentId = await resolveParent(ctx, caller, c, parsed.parentUid);
  const kept = keptFor(parsed, id, name);
  if (parentId === undefined && parsed.parentUid) kept.lines = [...(kept.lines ?? []), `RELATED-TO;RELTYPE=PARENT:${parsed.parentUid}`];
  const davProperties = keptText(kept);
  if (davProperties && davProperties.length > 65_536) throw new DavError(413, "too many unmodelled properties");
  let advanced = false;
  try {
    // A client that wrote its times in UTC (or floating) named no zone: a series keeps the zone it has, and how it recurs.
    const cr = current?.recurrence ?? null;
    const recurrence = parsed.recurrence && {
      ...parsed.recurrence,
      timezone: cr && !parsed.recurrenceZoneGiven ? cr.timezone : parsed.recurrence.timezone,
      from: cr?.from ?? ("due" as const),
    };
    if (!current) {
      const completeAfter = parsed.status === "done" && Boolean(recurrence);
      const created = await callAs(ctx, caller.auth, "tasks.create", {
        id,
        davProperties,
        input: {
          title: parsed.title.slice(0, 500),
          description: parsed.description.slice(0, 20_000),
          status: completeAfter ? "todo" : parsed.status,
          priority: parsed.priority,
          dueAt: parsed.dueAt,
          startAt: parsed.startAt,
          tags: parsed.tags,
          recurrence,
          reminders: parsed.reminders.map((r) => ({ ...r, channels: ["sse"] as ("sse" | "whatsapp")[] })),
          projectId: c.projectId,
          assigneeId: null,
          parentId: parentId ?? null,
        },
      });
      current = created;
      if (completeAfter) {
        current = (await callAs(ctx, caller.auth, "tasks.complete", { id, occurrenceAt: created.dueAt ?? undefined })).task;
        advanced = true;
      }
      if (!advanced) res.setHeader("ETag", etagOf(current));
      res.status(201).end();
      return;
    }
    const patch: Record<string, unknown> = {};
    const title = parsed.title.slice(0, 500);
    if (title !== current.title) patch.title = title;
    if (parsed.description !== current.description) patch.description = parsed.description.slice(0, 20_000);
    if (parsed.priority !== current.priority) patch.priority = parsed.priority;
    if (!sameSet(parsed.tags, current.tags)) patch.tags = parsed.tags;
    if (!sameInstant(parsed.dueAt, current.dueAt)) patch.dueAt = parsed.dueAt;
    if (!sameInstant(parsed.startAt, current.startAt) && !(current.recurrence && parsed.startAt === null)) patch.startAt = parsed.startAt;
    const recurrenceChanged = recurrence
      ? !cr ||
        !sameSet(ruleParts(recurrence.rrule), ruleParts(cr.rrule)) ||
        recurrence.timezone !== cr.timezone ||
        !sameSet(recurrence.exdates.map((d) => new Date(d).toISOString()), cr.exdates.map((d) => new Date(d).toISOString()))
      : cr !== null;
    if (recurrenceChanged) patch.recurrence = recurrence;
    const wantKeys = parsed.reminders.map(keyOf);
    if (!sameSet(wantKeys, current.reminders.map(keyOf))) {
      patch.reminders = parsed.reminders.map((r) => {
        const same = current!.reminders.find((o) => keyOf(o) === keyOf(r));
        return same ? { ...r, id: same.id, channels: same.channels } : { ...r, channels: ["sse"] };
      });
    }
    if (parentId !== undefined && parentId !== (current.parentId ?? null)) patch.parentId = parentId;
    const complete = parsed.status === "done" && current.status !== "done";
    if (parsed.status !== "done" && parsed.status !== current.status) patch.status = parsed.status;
    const keptChanged = (davProperties ?? null) !== (current.davProperties ?? null);
    if (Object.keys(patch).length || keptChanged) {
      current = await callAs(ctx, caller.auth, "tasks.update", {
        id,
        patch: (Object.keys(patch).length ? patch : { title: current.title }) as UpdateTaskInput,
        expectedVersion: expected ?? current.version,
        davProperties: davProperties ?? null,
      });
    }
    if (complete) {
      // The API's completion: a recurring series records it and moves to its next occurrence.
      const recurring = Boolean(current.recurrence);
      current = (await callAs(ctx, caller.auth, "tasks.complete", { id, occurrenceAt: current.dueAt ?? undefined })).task;
      advanced = recurring;
    }
  } catch (err) {
    if (err instanceof DavError) throw err;
    fromServiceError(err);
  }
  // Stored as sent: its ETag; moved on to the next occurrence: none, so the client reads it again (RFC 4791 5.3.4).
  if (!advanced) res.setHeader("ETag", etagOf(current!));
  res.status(204).end();
}

async function remove(ctx: GatewayContext, caller: Caller, c: Collection, name: string, req: Request, res: Response): Promise<void> {
  if (!caller.canWrite) throw new DavError(403, "the token lacks the tasks:write scope", D("need-privileges"));
  const id = taskIdFor(c, caller.auth.userId, name);
  const current = await findTask(ctx, caller, c, id);
  if (!current) throw new DavError(404, "no such object");
  const expected = checkConditions(req, current);
  try {
    await callAs(ctx, caller.auth, "tasks.remove", { id, expectedVersion: expected });
  } catch (err) {
    fromServiceError(err);
  }
  res.status(204).end();
}

// ------------------------------------------------------------------------------------------
// PROPFIND and REPORT

async function propfind(ctx: GatewayContext, caller: Caller, t: Target, req: Request): Promise<string> {
  const depthHeader = req.get("depth") ?? "infinity";
  const depth = depthHeader === "0" ? 0 : 1;
  const request = propRequestOf(parseBody_xml(req));
  const me = caller.auth.userId;
  const out: string[] = [];
  if (t.kind === "root") {
    out.push(await answer(`${DAV_BASE}/`, plainCollectionProps(caller), request));
    if (depth) {
      out.push(await answer(`${DAV_BASE}/principals/`, plainCollectionProps(caller), request));
      out.push(await answer(`${DAV_BASE}/calendars/`, plainCollectionProps(caller), request));
    }
    return multistatus(out);
  }
  if (t.kind === "principals") {
    out.push(await answer(`${DAV_BASE}/principals/`, plainCollectionProps(caller), request));
    if (depth) out.push(await answer(principalHref(me), principalProps(caller), request));
    return multistatus(out);
  }
  if (t.kind === "calendars") {
    out.push(await answer(`${DAV_BASE}/calendars/`, plainCollectionProps(caller), request));
    if (depth) out.push(await answer(homeHref(me), homeProps(caller), request));
    return multistatus(out);
  }
  if (t.kind === "principal") {
    if (t.userId.toLowerCase() !== me) throw new DavError(404, "not found");
    return multistatus([await answer(principalHref(me), principalProps(caller), request)]);
  }
  if (t.kind === "home") {
    if (t.userId.toLowerCase() !== me) throw new DavError(404, "not found");
    out.push(await answer(homeHref(me), homeProps(caller), request));
    const everything = everythingOnce(ctx, caller);
    if (depth) for (const c of await collectionsOf(ctx, caller.auth, caller.canWrite)) out.push(await answer(collectionHref(me, c), calendarProps(ctx, caller, c, everything), request));
    return multistatus(out);
  }
  const c = await collectionFor(ctx, caller, t);
  if (t.kind === "collection") {
    const everything = everythingOnce(ctx, caller);
    out.push(await answer(collectionHref(me, c), calendarProps(ctx, caller, c, everything), request));
    if (depth) {
      const tasks = (await everything()).tasks.filter((x) => inCollection(c, me, x));
      const known = new Map(tasks.map((x) => [x.id, x]));
      for (const task of tasks) out.push(await answer(objectHref(me, c, nameOf(c, me, task)), objectProps(c, task, once(() => serve(ctx, task, known))), request));
    }
    return multistatus(out);
  }
  const task = await findTask(ctx, caller, c, taskIdFor(c, me, t.name));
  if (!task) throw new DavError(404, "no such object");
  const body = await serveOne(ctx, caller, c, task);
  return multistatus([await answer(objectHref(me, c, t.name), objectProps(c, task, () => body), request)]);
}

function once<T>(f: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = f();
      done = true;
    }
    return value;
  };
}

async function report(ctx: GatewayContext, caller: Caller, t: Target, req: Request): Promise<string> {
  const body = parseBody_xml(req);
  if (!body) throw new DavError(400, "a REPORT needs a body");
  const me = caller.auth.userId;
  if (t.kind !== "collection" && t.kind !== "object") {
    if (is(body, NS.C, "calendar-query") || is(body, NS.C, "calendar-multiget") || is(body, NS.D, "sync-collection")) {
      // Answered on a principal or home: nothing of ours lives there.
      if (is(body, NS.D, "sync-collection")) throw new DavError(403, "sync-collection applies to a calendar", D("supported-report"));
      return multistatus([]);
    }
    throw new DavError(403, "unsupported report", D("supported-report"));
  }
  const c = await collectionFor(ctx, caller, t);
  const request = propRequestOf(body);
  if (is(body, NS.C, "calendar-multiget")) {
    const { tasks } = await membersOf(ctx, caller.auth, c);
    const byId = new Map(tasks.map((x) => [x.id, x]));
    const out: string[] = [];
    for (const h of children(body, NS.D, "href")) {
      const href = textOf(h);
      const target = targetOf(pathOf(href));
      const task = target?.kind === "object" && target.key === c.key && target.userId.toLowerCase() === me ? byId.get(taskIdFor(c, me, target.name)) : undefined;
      if (!task) out.push(statusResponse(href, 404));
      else out.push(await answer(href, objectProps(c, task, once(() => serve(ctx, task, byId))), request));
    }
    return multistatus(out);
  }
  if (is(body, NS.C, "calendar-query")) {
    const filter = child(body, NS.C, "filter");
    try {
      checkFilter(filter);
    } catch (err) {
      if (err instanceof UnsupportedFilter) throw new DavError(403, err.message, C("supported-filter"));
      throw err;
    }
    const { tasks } = await membersOf(ctx, caller.auth, c);
    const known = new Map(tasks.map((x) => [x.id, x]));
    const out: string[] = [];
    for (const task of tasks) {
      if (t.kind === "object" && task.id !== taskIdFor(c, me, t.name)) continue;
      const body = serve(ctx, task, known);
      if (matchesFilter(filter, new ICAL.Component(ICAL.parse(body) as never), task)) out.push(await answer(objectHref(me, c, nameOf(c, me, task)), objectProps(c, task, () => body), request));
    }
    return multistatus(out);
  }
  if (is(body, NS.D, "sync-collection")) {
    if (t.kind !== "collection") throw new DavError(403, "sync-collection applies to a calendar", D("supported-report"));
    const given = textOf(child(body, NS.D, "sync-token") ?? body.ownerDocument!.createElement("x"));
    let since: string | undefined;
    if (given) {
      if (!given.startsWith(SYNC_PREFIX)) throw new DavError(403, "not a sync token of this server", D("valid-sync-token"));
      since = given.slice(SYNC_PREFIX.length);
    }
    let changes: Awaited<ReturnType<typeof changesSince>>;
    try {
      changes = await changesSince(ctx, caller.auth, since);
    } catch (err) {
      if (codeOf(err) === 422 || codeOf(err) === 410) throw new DavError(403, "the sync token is invalid or too old: sync again from the start", D("valid-sync-token"));
      throw err;
    }
    const out: string[] = [];
    const known = new Map(changes.tasks.map((x) => [x.id, x]));
    for (const task of changes.tasks) {
      if (inCollection(c, me, task)) out.push(await answer(objectHref(me, c, nameOf(c, me, task)), objectProps(c, task, once(() => serve(ctx, task, known))), request));
      // Changed elsewhere (moved out of this calendar, say): gone from here.
      else if (since) out.push(statusResponse(objectHref(me, c, nameOf(c, me, task)), 404));
    }
    // A deleted task's client name is gone with it: its id, and its id as the upper-case UUID some clients (Apple's) name objects by.
    if (since) for (const id of changes.deleted) for (const name of new Set([id, id.toUpperCase()])) out.push(statusResponse(objectHref(me, c, name), 404));
    return multistatus(out, `<d:sync-token>${escapeXml(SYNC_PREFIX + changes.token)}</d:sync-token>`);
  }
  throw new DavError(403, "unsupported report", D("supported-report"));
}

// ------------------------------------------------------------------------------------------
// The router

function bodyText(req: Request): string {
  const b = req.body as unknown;
  return Buffer.isBuffer(b) ? b.toString("utf8") : "";
}

function parseBody_xml(req: Request): Element | undefined {
  try {
    return parseXml(bodyText(req)) ?? undefined;
  } catch (err) {
    if (err instanceof XmlInputError) throw new DavError(400, err.message);
    throw err;
  }
}

/** A request's path below /dav, whether given as a path or a full URL (multiget hrefs). */
function pathOf(href: string): string {
  let path = href;
  try {
    path = new URL(href, "http://x").pathname;
  } catch {
    return "";
  }
  return path.startsWith(`${DAV_BASE}/`) || path === DAV_BASE ? path.slice(DAV_BASE.length) : "\u0000";
}

const ALLOW = "OPTIONS, GET, HEAD, PUT, DELETE, PROPFIND, PROPPATCH, REPORT";

function sendError(res: Response, err: DavError): void {
  if (err.status === 401) res.setHeader("WWW-Authenticate", REALM);
  if (err.condition) {
    res.status(err.status).type("application/xml; charset=utf-8").send(errorBody(err.condition, err.message));
  } else res.status(err.status).type("text/plain; charset=utf-8").send(`${err.message}\n`);
}

/**
 * CalDAV (RFC 4791, VTODO only) under /dav: principals, one calendar per project the caller
 * can see plus their inbox, and the objects in them. Every read and change goes through the
 * tasks service's actions, as the API's do.
 */
export function davRouter(ctx: GatewayContext): Router {
  const router = express.Router();
  // Bodies are iCalendar or XML, read raw (never by the JSON parser) and capped.
  router.use(express.raw({ type: () => true, limit: DAV_BODY_LIMIT }));
  router.use(async (req: Request, res: Response, next: NextFunction) => {
    // Timed under one route label: object names would explode the label set.
    const end = httpRequestDuration.startTimer({ method: req.method, route: DAV_BASE });
    res.once("finish", () => end({ status: String(res.statusCode) }));
    res.setHeader("DAV", "1, 3, calendar-access");
    res.setHeader("Cache-Control", "no-store");
    res.setHeader("X-Content-Type-Options", "nosniff");
    try {
      if (req.method === "OPTIONS") {
        res.setHeader("Allow", ALLOW);
        res.status(200).end();
        return;
      }
      const caller = await authenticate(ctx, req);
      const t = targetOf(req.path);
      if (!t) throw new DavError(404, "not found");
      const write = req.method === "PUT" || req.method === "DELETE" || req.method === "PROPPATCH" || req.method === "MKCALENDAR" || req.method === "MKCOL";
      if (write && !caller.canWrite) throw new DavError(403, "the token lacks the tasks:write scope", D("need-privileges"));
      switch (req.method) {
        case "PROPFIND": {
          const xml = await propfind(ctx, caller, t, req);
          res.status(207).type("application/xml; charset=utf-8").send(xml);
          return;
        }
        case "REPORT": {
          const xml = await report(ctx, caller, t, req);
          res.status(207).type("application/xml; charset=utf-8").send(xml);
          return;
        }
        case "GET":
        case "HEAD": {
          if (t.kind !== "object") {
            if (t.kind === "collection") await collectionFor(ctx, caller, t);
            res.status(200).type("text/plain; charset=utf-8").send("Todogenie CalDAV: add this address to a CalDAV client.\n");
            return;
          }
          const c = await collectionFor(ctx, caller, t);
          const task = await findTask(ctx, caller, c, taskIdFor(c, caller.auth.userId, t.name));
          if (!task) throw new DavError(404, "no such object");
          const ifNoneMatch = req.get("if-none-match");
          res.setHeader("ETag", etagOf(task));
          if (ifNoneMatch && ifNoneMatch.split(",").map((s) => s.trim()).includes(etagOf(task))) {
            res.status(304).end();
            return;
          }
          res.status(200).type(ICS_TYPE).send(await serveOne(ctx, caller, c, task));
          return;
        }
        case "PUT": {
          if (t.kind !== "object") throw new DavError(405, "PUT an object: <calendar>/<name>.ics");
          await put(ctx, caller, await collectionFor(ctx, caller, t), t.name, req, res);
          return;
        }
        case "DELETE": {
          if (t.kind !== "object") throw new DavError(403, "calendars are projects: delete them in the app");
          await remove(ctx, caller, await collectionFor(ctx, caller, t), t.name, req, res);
          return;
        }
        case "PROPPATCH": {
          // Names and colours belong to the project: every property is refused (RFC 4918 9.2).
          const body = parseBody_xml(req);
          const names = body ? children(body).flatMap((set) => children(set).flatMap((p) => (is(p, NS.D, "prop") ? children(p).map(clarkOf) : []))) : [];
          res.status(207).type("application/xml; charset=utf-8").send(multistatus([response(req.originalUrl, new Map(), new Map([[403, names]]))]));
          return;
        }
        case "MKCALENDAR":
        case "MKCOL":
          throw new DavError(403, "calendars are Todogenie projects: create one in the app", D("resource-must-be-null"));
        default:
          res.setHeader("Allow", ALLOW);
          throw new DavError(405, `${req.method} is not supported here`);
      }
    } catch (err) {
      if (err instanceof DavError) return sendError(res, err);
      next(err);
    }
  });
  // Body too large or unreadable, a broken upstream: a plain DAV answer, never the API's JSON.
  router.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    const status = (err as { status?: number }).status ?? (err as { statusCode?: number }).statusCode;
    if (status === 413) return sendError(res, new DavError(413, `the body exceeds ${DAV_BODY_LIMIT}`, C("max-resource-size")));
    if (status && status >= 400 && status < 500) return sendError(res, new DavError(status, (err as Error).message));
    next(err);
  });
  return router;
}

/** `/.well-known/caldav` (RFC 6764): the DAV root, where clients find the principal. */
export function wellKnownCaldav(_req: Request, res: Response): void {
  res.redirect(301, `${DAV_BASE}/`);
}
