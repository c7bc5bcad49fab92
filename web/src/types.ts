/** The API's shapes, taken from the server's own schemas (types only: nothing of them is bundled). */
import type { Channel, Priority, TaskStatus, UserDto } from "../../libs/contracts";

export type {
  Channel,
  CommentDto as Comment,
  HistoryItemDto as HistoryItem,
  MyInvitationDto as Invitation,
  NotificationDto as Notification,
  Priority,
  ReminderDto as Reminder,
  TaskDto as Task,
  TaskStatus,
  UserDto as User,
} from "../../libs/contracts";

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
  /** With `facets=...`: per facet, the count of each value among every match. */
  facets?: Partial<Record<"status" | "priority" | "tag" | "projectId", Record<string, number>>>;
}

/** A search hit: where the query matched (end-exclusive string ranges). */
export interface Highlighted {
  highlights?: {
    title?: [number, number][];
    description?: [number, number][];
    /** Matching comments: an excerpt of each and the ranges of the excerpt. */
    comments?: { commentId: string; text: string; ranges: [number, number][] }[];
  };
}

export interface AuthResult {
  user: UserDto;
  accessToken: string;
  refreshToken: string;
  expiresIn: number;
}

/** What POST /tasks and PATCH /tasks/:id take from the client. */
export interface TaskInput {
  title: string;
  description: string;
  status?: TaskStatus;
  priority: Priority;
  dueAt: string | null;
  tags: string[];
  recurrence: { rrule: string; timezone?: string; from: "due" | "completion" } | null;
  reminders: ReminderInput[];
  /** The tasks this one waits for (a cycle answers 422). */
  blockedBy?: string[];
  /** Only when creating: makes it a subtask. */
  parentId?: string | null;
}

export interface ReminderInput {
  id?: string;
  offset?: string;
  at?: string;
  channels: Channel[];
}

export interface UserPatch {
  name?: string;
  timezone?: string;
  phone?: string | null;
  whatsappOptIn?: boolean;
  notificationPrefs?: { sse?: boolean; whatsapp?: boolean; quietHours?: { start: string; end: string } | null };
}
