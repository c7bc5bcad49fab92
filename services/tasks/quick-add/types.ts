import type { Priority, ReminderInput } from "../../../libs/contracts";
import type { Recurrence } from "../../../libs/recurrence";

export const QUICK_ADD_LOCALES = ["en", "de"] as const;
export type QuickAddLocale = (typeof QUICK_ADD_LOCALES)[number];
/** Longest phrase read: a title is at most 500 characters, and the rest is a few words. */
export const MAX_QUICK_ADD_LENGTH = 1000;

export type SpanField = "title" | "dueAt" | "recurrence" | "tags" | "priority" | "projectId" | "assigneeId" | "reminders";

export interface Span {
  start: number;
  end: number;
  field: SpanField;
}

export interface QuickAddFields {
  title: string;
  dueAt?: string;
  recurrence?: Recurrence & { text: string };
  tags?: string[];
  priority?: Priority;
  projectId?: string;
  assigneeId?: string;
  reminders?: Pick<ReminderInput, "offset" | "at" | "channels">[];
}

/** A name typed after + or @, with where it stands, for the caller to resolve. */
export interface NameRef {
  name: string;
  start: number;
  end: number;
}

/** What the phrase says, before project and member names are looked up. */
export interface QuickAddParse {
  fields: QuickAddFields;
  spans: Span[];
  ambiguities: string[];
  project?: NameRef;
  assignee?: NameRef;
}
