import { z } from "zod";
import { ERROR_TYPES } from "../../../libs/errors";
import { PROBLEM_CONTENT_TYPE } from "../../../libs/errors/problem";

export const problemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string() })),
  })
  .meta({ id: "Problem" });

const titles: Record<number, string> = Object.fromEntries(Object.values(ERROR_TYPES).map((t) => [t.status, t.title]));

/** The problem answers a route documents, by status. */
export function problemResponses(...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((s) => [s, { description: titles[s] ?? "Error", schema: problemSchema, contentType: PROBLEM_CONTENT_TYPE }]),
  );
}

/** One problem answer with a description of its own: when and why a route gives it. */
export function problemResponse(status: number, description: string) {
  return { [status]: { description, schema: problemSchema, contentType: PROBLEM_CONTENT_TYPE } };
}
