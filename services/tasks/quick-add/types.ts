import type { Priority, ReminderInput } from "../../../libs/contracts";
import type { Recurrence } from "../../../libs/recurrence";

import { SPAN_FIELDS } from "../../../libs/contracts/quick-add";

export { MAX_QUICK_ADD_LENGTH, QUICK_ADD_LOCALES, type QuickAddLocale } from "../../../libs/contracts/quick-add";
export type SpanField = (typeof SPAN_FIELDS)[number];

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
