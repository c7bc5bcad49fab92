import type { Element as XElement } from "@xmldom/xmldom";

/** WebDAV and CalDAV XML: a request body read safely, and the answers' text. */
export const NS = {
  D: "DAV:",
  C: "urn:ietf:params:xml:ns:caldav",
  CS: "http://calendarserver.org/ns/",
  ICAL: "http://apple.com/ns/ical/",
} as const;
const PREFIX: Record<string, string> = { [NS.D]: "d", [NS.C]: "cal", [NS.CS]: "cs", [NS.ICAL]: "ical" };

export type Element = XElement;

/** A request body that is not XML we accept. */
export class XmlInputError extends Error {}

/**
 * Parses a request body. A DOCTYPE is refused outright: no entity of any kind (external, or an
 * internal one that expands a billion times) is ever declared, let alone resolved.
 */
export function parseXml(text: string): Element | null {
  if (text.trim() === "") return null;
  if (/<!DOCTYPE|<!ENTITY/i.test(text)) throw new XmlInputError("DOCTYPE and entity declarations are not accepted");
  const errors: string[] = [];
  let root: Element | null = null;
  try {
    // Loaded at the first CalDAV body rather than at every gateway start (issue 14, the embedded start).
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { DOMParser } = require("@xmldom/xmldom") as typeof import("@xmldom/xmldom");
    const doc = new DOMParser({
      onError: (level, message) => {
        if (level !== "warning") errors.push(message);
      },
    }).parseFromString(text, "text/xml");
    root = doc.documentElement;
  } catch (err) {
    errors.push((err as Error).message);
  }
  if (errors.length || !root) throw new XmlInputError(`malformed XML: ${errors[0] ?? "no root element"}`);
  return root;
}

/** The element's child elements, optionally only those named `ns`:`local`. */
export function children(el: Element, ns?: string, local?: string): Element[] {
  const out: Element[] = [];
  for (let n = el.firstChild; n; n = n.nextSibling) {
    if (n.nodeType !== 1) continue;
    const e = n as unknown as Element;
    if (ns !== undefined && (e.namespaceURI !== ns || e.localName !== local)) continue;
    out.push(e);
  }
  return out;
}

export const child = (el: Element, ns: string, local: string): Element | undefined => children(el, ns, local)[0];
export const is = (el: Element, ns: string, local: string) => el.namespaceURI === ns && el.localName === local;
export const textOf = (el: Element) => (el.textContent ?? "").trim();

/** Element text: `&`, `<` and `>` escaped (quotes need none there, and ETags read better without). */
export const escapeXml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const escapeAttr = (s: string) => escapeXml(s).replace(/"/g, "&quot;");

/** A property's name in Clark notation, `{ns}local`. */
export type PropName = string;
export const clark = (ns: string, local: string): PropName => `{${ns}}${local}`;
export const clarkOf = (el: Element): PropName => clark(el.namespaceURI ?? "", el.localName ?? "");

/** `<prefix:local>` with the namespace declared on the spot when it is not one of ours. */
export function tag(name: PropName, inner?: string): string {
  const m = /^\{([^}]*)\}(.+)$/.exec(name)!;
  const [, ns, local] = m as unknown as [string, string, string];
  const prefix = PREFIX[ns];
  const open = prefix ? `${prefix}:${local}` : `x:${local} xmlns:x="${escapeAttr(ns)}"`;
  const close = prefix ? `${prefix}:${local}` : `x:${local}`;
  return inner === undefined || inner === "" ? `<${open}/>` : `<${open}>${inner}</${close}>`;
}

const D = (local: string) => clark(NS.D, local);
export const STATUS_TEXT: Record<number, string> = { 200: "OK", 403: "Forbidden", 404: "Not Found", 409: "Conflict", 424: "Failed Dependency" };

/** One `<d:response>`: found properties (text already XML) and missing ones by status. */
export function response(href: string, found: Map<PropName, string>, missing: Map<number, PropName[]> = new Map()): string {
  const stats: string[] = [];
  if (found.size) {
    stats.push(propstat([...found].map(([name, value]) => tag(name, value)).join(""), 200));
  }
  for (const [status, names] of missing) if (names.length) stats.push(propstat(names.map((n) => tag(n)).join(""), status));
  if (!stats.length) stats.push(propstat("", 200));
  return `<d:response><d:href>${escapeXml(href)}</d:href>${stats.join("")}</d:response>`;
}

const propstat = (props: string, status: number) => `<d:propstat><d:prop>${props}</d:prop><d:status>HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? ""}</d:status></d:propstat>`;

/** A `<d:response>` with a status instead of properties (a missing member, a deleted one in a sync). */
export const statusResponse = (href: string, status: number) =>
  `<d:response><d:href>${escapeXml(href)}</d:href><d:status>HTTP/1.1 ${status} ${STATUS_TEXT[status] ?? ""}</d:status></d:response>`;

const DECLS = `xmlns:d="DAV:" xmlns:cal="${NS.C}" xmlns:cs="${NS.CS}" xmlns:ical="${NS.ICAL}"`;

export function multistatus(responses: string[], extra = ""): string {
  return `<?xml version="1.0" encoding="utf-8"?>\n<d:multistatus ${DECLS}>${responses.join("")}${extra}</d:multistatus>`;
}

/** A precondition's error body (RFC 4918 16): `<d:error><cal:valid-calendar-data/></d:error>`. */
export function errorBody(condition: PropName, description?: string): string {
  const desc = description ? `<d:responsedescription>${escapeXml(description)}</d:responsedescription>` : "";
  return `<?xml version="1.0" encoding="utf-8"?>\n<d:error ${DECLS}>${tag(condition)}${desc}</d:error>`;
}

export { D };
