import type { Request, Response } from "express";
import { z } from "zod";
import type { AuthMeta } from "../../../libs/contracts";

export type Method = "get" | "post" | "patch" | "delete";

export interface Reply {
  status: number;
  body?: unknown;
  /** The body as JSON text already (a service's `*Json` action), written as is instead of `body`. */
  json?: string;
  headers?: Record<string, string>;
}

export interface RouteInput<B, Q, P> {
  body: B;
  query: Q;
  params: P;
  /** Present on every route with `auth: true`. */
  auth: AuthMeta;
  header(name: string): string | undefined;
  req: Request;
  res: Response;
}

type Schema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.output<S> : undefined;

/**
 * One route: its schemas validate the request and, unchanged, describe it in the OpenAPI
 * document, so the two never drift apart.
 */
export interface RouteDef<B extends Schema | undefined = Schema | undefined, Q extends Schema | undefined = Schema | undefined, P extends Schema | undefined = Schema | undefined> {
  method: Method;
  /** Express path, relative to the mount point, e.g. `/tasks/:id`. */
  path: string;
  summary: string;
  /** Longer prose for the OpenAPI document: decisions a client must know about. */
  description?: string;
  tag: string;
  /** "optional": a Bearer token, when sent, is checked; the route authenticates otherwise itself. */
  auth: boolean | "optional";
  body?: B;
  /** The body as the OpenAPI document shows it, when `body` can only be written as a transform (a choice between shapes). */
  bodyDoc?: Schema;
  query?: Q;
  params?: P;
  /** A multipart/form-data body the handler reads itself (from `req`), for the OpenAPI document. */
  multipart?: Schema;
  /** Headers the route reads, for the OpenAPI document. */
  headers?: { name: string; description: string }[];
  rateLimit?: "auth" | "login";
  responses: Record<number, { description: string; schema?: Schema; contentType?: string }>;
  handle(input: RouteInput<Out<B>, Out<Q>, Out<P>>): Promise<Reply> | Reply;
  /** Streams and other replies that write the response themselves. */
  raw?: boolean;
}

export function route<B extends Schema | undefined = undefined, Q extends Schema | undefined = undefined, P extends Schema | undefined = undefined>(
  def: RouteDef<B, Q, P>,
): RouteDef {
  return def as unknown as RouteDef;
}

export const idParams = z.strictObject({ id: z.uuid() });
export const pageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().min(1).max(500).optional().meta({ description: "the nextCursor of the previous page, signed for this list and caller: anything else answers 422" }),
});
