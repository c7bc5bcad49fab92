import { z } from "zod";
import { taskSchema, TaskDto } from "./tasks";

/** The counts a list or search may ask for (`facets=status,priority,tag,projectId`). */
export const FACETS = ["status", "priority", "tag", "projectId"] as const;
export type Facet = (typeof FACETS)[number];

/** At most this many values per facet (the most frequent), as Meilisearch's maxValuesPerFacet. */
export const MAX_FACET_VALUES = 100;

/** At most this many matching comments are highlighted per hit. */
export const MAX_COMMENT_HIGHLIGHTS = 3;

const range = z.tuple([z.int().min(0), z.int().min(1)]);
export const highlightsSchema = z
  .object({
    title: z.array(range).optional(),
    description: z.array(range).optional(),
    comments: z
      .array(
        z.object({
          commentId: z.uuid(),
          text: z.string().meta({ description: "an excerpt of the comment around its first match (the whole comment when short)" }),
          ranges: z.array(range).meta({ description: "the matches, as ranges of `text` (the excerpt)" }),
        }),
      )
      .optional()
      .meta({
        description:
          "Comments of the task that matched (at most 3, oldest first), each with an excerpt and its " +
          "ranges. Comment text is searched as whole words and prefixes, never for typos, and ranks below title, tags and description.",
      }),
  })
  .meta({
    id: "Highlights",
    description:
      "Where the query matched, as [start, end] ranges of the field's text: start inclusive, end EXCLUSIVE, counted in " +
      "UTF-16 code units (JavaScript string indices, `text.slice(start, end)` is the matched part). Ranges are sorted " +
      "and do not overlap. A word matched as a prefix highlights the typed prefix (\"pro\" in \"Project\"); a word " +
      "matched despite a typo highlights the whole word. A field without a match is absent; `comments` lists the matching " +
      "comments of the task (their text is searchable by whoever may read the task).",
  });
export type Highlights = z.infer<typeof highlightsSchema>;

export const searchHitSchema = taskSchema.extend({ highlights: highlightsSchema }).meta({ id: "SearchHit" });
export type SearchHit = z.infer<typeof searchHitSchema>;

const counts = z.record(z.string(), z.int().min(1));
export const facetCountsSchema = z
  .object({
    status: counts.optional(),
    priority: counts.optional(),
    tag: counts.optional(),
    projectId: counts.optional(),
  })
  .meta({
    id: "FacetCounts",
    description:
      "Per requested facet, how many tasks matching the same filters and q carry each value (values with no task are " +
      "absent). `projectId` counts tasks in projects only; `tag` lists the 100 most frequent tags.",
  });
export type FacetCounts = z.infer<typeof facetCountsSchema>;

/** A page of a list or search; `facets` only when asked for. */
export interface TaskPage<T extends TaskDto = TaskDto> {
  items: T[];
  nextCursor: string | null;
  facets?: FacetCounts;
  /** False when the counts are of a capped sample of the matches (Postgres, a very broad query of a heavy user). */
  facetsComplete?: boolean;
}
export type SearchPage = TaskPage<SearchHit>;

const facetFields = {
  facets: facetCountsSchema.optional(),
  facetsComplete: z
    .boolean()
    .optional()
    .meta({ description: "with facets: false when the counts were taken over the first 2,000 matches only (a very broad query of a user with more tasks)" }),
};

/** A list page on the bus; a search page adds highlights to each item. */
export const listPageSchema = z.object({ items: z.array(taskSchema), nextCursor: z.string().nullable(), ...facetFields });
export const searchPageSchema = z.object({ items: z.array(searchHitSchema), nextCursor: z.string().nullable(), ...facetFields });

/** GET /tasks as the HTTP API documents it: a list page, or with q a search page. */
export const taskListResponseSchema = z.object({
  items: z.array(z.union([searchHitSchema, taskSchema])).meta({ description: "tasks; with q, search hits: each task with its `highlights`" }),
  nextCursor: z.string().nullable(),
  ...facetFields,
});
