/**
 * Quick add at the gateway: the tasks service reads the phrase and resolves its +Project;
 * the gateway, which holds people's names, resolves the @name among the ids it may mean.
 * One bus call and one query, for the parse route and for creating from a phrase alike.
 */
import { z } from "zod";
import { AuthMeta, createTaskInput, CreateTaskInput } from "../../../libs/contracts";
import { QUICK_ADD_LOCALES, quickAddLocale, quickAddText, type QuickAddDto, type QuickAddLocale } from "../../../libs/contracts/quick-add";
import { ValidationError } from "../../../libs/errors";
import { callAs, GatewayContext } from "./context";

/** POST /tasks with a phrase: every field of a task may be given too, and wins over the phrase's. */
const explicitFields = Object.fromEntries(
  Object.entries(createTaskInput.shape).map(([name, schema]) => [name, (schema instanceof z.ZodDefault ? schema.unwrap() : schema).optional()]),
) as unknown as { [K in keyof typeof createTaskInput.shape]: z.ZodOptional<z.ZodType<CreateTaskInput[K]>> };

export const quickAddTaskInput = z
  .strictObject({ quickAdd: quickAddText, locale: quickAddLocale.optional(), ...explicitFields })
  .meta({ id: "QuickAddTask", description: "a task from a phrase; fields given beside it win over what the phrase says" });

/**
 * POST /tasks's body: a task's fields, or a phrase (with fields beside it). Chosen by the
 * `quickAdd` key, so each shape reports its own problems (a union would answer "invalid
 * input" for both); the OpenAPI document shows the two as oneOf (createTaskBodyDoc).
 */
export const createTaskBody = z.unknown().transform((value, ctx) => {
  const schema = value !== null && typeof value === "object" && "quickAdd" in value ? quickAddTaskInput : createTaskInput;
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data as CreateTaskInput | z.output<typeof quickAddTaskInput>;
  for (const issue of parsed.error.issues) ctx.addIssue(issue as never);
  return z.NEVER;
});
export const createTaskBodyDoc = z.union([createTaskInput, quickAddTaskInput]);

/** The first language of Accept-Language the grammar knows, else English. */
export function localeOf(requested: QuickAddLocale | undefined, acceptLanguage: string | undefined): QuickAddLocale {
  if (requested) return requested;
  const tags = (acceptLanguage ?? "").split(",").map((t) => t.trim().slice(0, 2).toLowerCase());
  return (tags.find((t) => (QUICK_ADD_LOCALES as readonly string[]).includes(t)) as QuickAddLocale | undefined) ?? "en";
}

type Person = { id: string; name: string | null; email: string };

/** Whom "@name" means: by full name, else first name, else the email's local part; case aside; only if one person fits. */
function whoIs(name: string, people: Person[]): Person[] {
  const key = name.toLowerCase();
  const ways = [(p: Person) => p.name ?? "", (p: Person) => (p.name ?? "").split(/\s+/)[0]!, (p: Person) => p.email.split("@")[0]!];
  for (const way of ways) {
    const fits = people.filter((p) => way(p).toLowerCase() === key);
    if (fits.length) return fits;
  }
  return [];
}

export async function quickAdd(ctx: GatewayContext, auth: AuthMeta, text: string, locale: QuickAddLocale, projectId?: string | null): Promise<QuickAddDto> {
  const { assignee, memberIds, ...answer } = await callAs(ctx, auth, "tasks.parse", { text, locale, projectId });
  if (!assignee) return answer;
  const fits = whoIs(assignee.name, await ctx.users.findByIds(memberIds));
  if (fits.length === 1) {
    answer.fields.assigneeId = fits[0]!.id;
    return answer;
  }
  answer.spans = answer.spans.filter((s) => s.field !== "assigneeId");
  answer.ambiguities.push(
    fits.length ? `"@${assignee.name}" fits several members: nobody was assigned` : `"@${assignee.name}" is nobody ${projectId || answer.fields.projectId ? "in the task's project" : "but you can be assigned a private task"}: nobody was assigned`,
  );
  return answer;
}

/** The task a phrase describes, with the fields the request gives beside it winning; throws when no title is left. */
export async function taskFromPhrase(ctx: GatewayContext, auth: AuthMeta, body: z.output<typeof quickAddTaskInput>, acceptLanguage?: string): Promise<CreateTaskInput> {
  const { quickAdd: text, locale, ...explicit } = body;
  const { fields } = await quickAdd(ctx, auth, text, localeOf(locale, acceptLanguage), explicit.projectId);
  const given = Object.fromEntries(Object.entries(explicit).filter(([, v]) => v !== undefined));
  const { recurrence, ...rest } = fields;
  const merged = { ...rest, ...(recurrence ? { recurrence: { rrule: recurrence.rrule, timezone: recurrence.timezone, from: recurrence.from } } : {}), ...given };
  if (!merged.title) {
    throw new ValidationError("The phrase leaves no title", [{ path: "body.quickAdd", message: "leaves no title once dates, tags and the like are read: add some words, or give title" }]);
  }
  const input = createTaskInput.safeParse(merged);
  if (!input.success) {
    const errors = input.error.issues.map((i) => ({ path: ["body", ...i.path].join("."), message: i.message }));
    throw new ValidationError(`The task from the phrase is invalid: ${errors.map((e) => `${e.path} ${e.message}`).join("; ")}`, errors);
  }
  return input.data;
}
