import { z } from "zod";
import { Facet, FACETS } from "./search";
import { instant, PRIORITIES, Priority, TASK_STATUSES, TaskStatus } from "./tasks";

export const SORT_KEYS = ["dueAt", "priority", "createdAt", "updatedAt", "title", "position"] as const;
export type SortKey = (typeof SORT_KEYS)[number];

/** One sort key with its direction. */
export interface SortTerm {
  key: SortKey;
  desc: boolean;
}

/** The order of a list without `q` and without `sort`: creation order. */
export const DEFAULT_SORT: SortTerm[] = [{ key: "createdAt", desc: false }];

const MAX_LIST_ITEMS = 20;

type Checked<T> = { value: T } | { error: string };

/** A comma list (OR) of values, each checked by `item`; duplicates dropped. */
function commaList<T>(item: (raw: string) => Checked<T>) {
  return z.string().transform((raw, ctx) => {
    const parts = raw.split(",").map((s) => s.trim());
    if (parts.length > MAX_LIST_ITEMS) {
      ctx.addIssue({ code: "custom", message: `at most ${MAX_LIST_ITEMS} values` });
      return z.NEVER;
    }
    const values: T[] = [];
    for (const part of parts) {
      const checked = item(part);
      if ("error" in checked) ctx.addIssue({ code: "custom", message: checked.error });
      else values.push(checked.value);
    }
    return [...new Set(values)];
  });
}

const oneOf =
  <T extends string>(name: string, allowed: readonly T[]) =>
  (v: string): Checked<T> =>
    (allowed as readonly string[]).includes(v) ? { value: v as T } : { error: `unknown ${name} "${v}" (one of ${allowed.join(", ")})` };

const tagValue = (v: string): Checked<string> =>
  v.length >= 1 && v.length <= 50 ? { value: v.toLowerCase() } : { error: `tag "${v}" must be 1..50 characters` };

const uuidValue = (v: string): Checked<string> => (z.uuid().safeParse(v).success ? { value: v.toLowerCase() } : { error: `"${v}" is not a UUID` });

const sortValue = (v: string): Checked<SortTerm> => {
  const desc = v.startsWith("-");
  const key = desc ? v.slice(1) : v;
  if (!(SORT_KEYS as readonly string[]).includes(key)) return { error: `unknown sort key "${v}" (keys: ${SORT_KEYS.join(", ")}, "-" for descending)` };
  return { value: { key: key as SortKey, desc } };
};

export const listTasksQuery = z
  .strictObject({
    status: commaList<TaskStatus>(oneOf("status", TASK_STATUSES))
      .optional()
      .meta({ description: `comma list of statuses (OR): ${TASK_STATUSES.join(", ")}` }),
    priority: commaList<Priority>(oneOf("priority", PRIORITIES))
      .optional()
      .meta({ description: `comma list of priorities (OR): ${PRIORITIES.join(", ")}` }),
    tag: commaList<string>(tagValue)
      .optional()
      .meta({ description: "comma list of tags (OR): tasks carrying any of them" }),
    projectId: commaList<string>(uuidValue).optional().meta({ description: "comma list of project ids (OR)" }),
    dueFrom: instant.optional().meta({ description: "tasks due at or after this instant (inclusive); tasks without dueAt never match" }),
    dueTo: instant.optional().meta({ description: "tasks due before this instant (exclusive); tasks without dueAt never match" }),
    overdue: z
      .enum(["true", "false"])
      .transform((v) => v === "true")
      .optional()
      .meta({ description: "true: due before now and not done; false: no effect" }),
    parentId: z.uuid().optional().meta({ description: "the children of this task; without sort, by position" }),
    topLevel: z
      .enum(["true", "false"])
      .transform((v) => v === "true")
      .optional()
      .meta({ description: "true: only tasks without a parent; false: no effect" }),
    blocked: z
      .enum(["true", "false"])
      .transform((v) => v === "true")
      .optional()
      .meta({ description: "true: tasks waiting for an open blocker; false: tasks that are not" }),
    q: z
      .string()
      .trim()
      .min(1)
      .max(200)
      .refine((v) => /[\p{L}\p{N}]/u.test(v), "must contain a letter or a digit")
      .optional()
      .meta({
        description:
          "full text over title, description, tags and the task's comments (comments rank lowest and match whole words and " +
          "prefixes, not typos): every word by prefix, the last one from its first letter " +
          "(\"p\", \"pr\", \"land\" finds \"Landing\"), among the words of the tasks the caller can see (own and shared " +
          "projects; other users' words never change what a prefix finds); when nothing matches that way, titles like the " +
          "query (typos: \"grocries\" finds \"groceries\"). Each hit carries `highlights`. Combines with every filter, parentId, " +
          "topLevel and blocked included; not with sort=position.",
      }),
    sort: commaList<SortTerm>(sortValue)
      .refine((terms) => new Set(terms.map((t) => t.key)).size === terms.length, "names a key twice")
      .optional()
      .meta({
        description:
          `comma list of keys (${SORT_KEYS.join(", ")}), "-" for descending; priority sorts by rank (none < low < medium < high < urgent); ` +
          "tasks without dueAt come last in both directions; ties are broken by id in the direction of the last key. " +
          "Default: createdAt, or relevance when q is given.",
      }),
    limit: z.coerce.number().int().min(1).max(200).default(50).meta({ description: "page size, 1..200" }),
    cursor: z
      .string()
      .min(1)
      .max(1000)
      .optional()
      .meta({ description: "nextCursor of the previous page; valid for 24 h with the same filters, q and sort (422 otherwise)" }),
    facets: commaList<Facet>(oneOf("facet", FACETS))
      .optional()
      .meta({
        description:
          `comma list of ${FACETS.join(", ")}: the answer adds \`facets\`, per facet the number of tasks with each value among ` +
          "everything matching the same filters and q (not only this page). Unknown names answer 422. Independent of the cursor: ask on any page.",
      }),
  })
  .refine((v) => !(v.parentId && v.topLevel), { message: "parentId and topLevel=true exclude each other", path: ["topLevel"] })
  // Search does not index sibling order: relevance or another key orders a search.
  .refine((v) => !v.q || !v.sort?.some((t) => t.key === "position"), {
    message: "sort=position is not available together with q",
    path: ["q"],
  })
  .refine((v) => !v.dueFrom || !v.dueTo || Date.parse(v.dueFrom) < Date.parse(v.dueTo), {
    message: "dueFrom must be before dueTo",
    path: ["dueTo"],
  });

/** What a list handler works with; the HTTP query parses into it. */
export type ListTasksQuery = z.output<typeof listTasksParams>;

/**
 * The list query as it crosses the bus: what `listTasksQuery` made of the HTTP query, checked
 * again by the receiving service (a peer is not trusted to have parsed it).
 */
export const listTasksParams = z.strictObject({
  status: z.array(z.enum(TASK_STATUSES)).max(MAX_LIST_ITEMS).optional(),
  priority: z.array(z.enum(PRIORITIES)).max(MAX_LIST_ITEMS).optional(),
  tag: z.array(z.string().min(1).max(50)).max(MAX_LIST_ITEMS).optional(),
  projectId: z.array(z.uuid()).max(MAX_LIST_ITEMS).optional(),
  dueFrom: instant.optional(),
  dueTo: instant.optional(),
  overdue: z.boolean().optional(),
  parentId: z.uuid().optional(),
  topLevel: z.boolean().optional(),
  blocked: z.boolean().optional(),
  q: z.string().min(1).max(200).optional(),
  sort: z
    .array(z.strictObject({ key: z.enum(SORT_KEYS), desc: z.boolean() }))
    .max(SORT_KEYS.length)
    .optional(),
  limit: z.int().min(1).max(200),
  cursor: z.string().min(1).max(1000).optional(),
  facets: z.array(z.enum(FACETS)).max(FACETS.length).optional(),
});
