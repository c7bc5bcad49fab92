import type { Channel, Priority, TaskStatus } from "./types";

/**
 * Display names, keyed by the server's own enums: adding or removing a value there
 * fails the client's type-check here until it is named.
 */
export const STATUS_LABELS: Record<TaskStatus, string> = { todo: "To do", in_progress: "In progress", done: "Done" };
export const PRIORITY_LABELS: Record<Priority, string> = { none: "None", low: "Low", medium: "Medium", high: "High", urgent: "Urgent" };
export const CHANNEL_LABELS: Record<Channel, string> = { sse: "Browser", whatsapp: "WhatsApp" };

export const keysOf = <K extends string>(labels: Record<K, string>) => Object.keys(labels) as K[];
