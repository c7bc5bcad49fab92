import type { Api } from "./api";
import type { Notification, User } from "./types";

/** A value views can watch. */
export class Signal<T> {
  private readonly listeners = new Set<(value: T) => void>();
  constructor(private current: T) {}
  get value(): T {
    return this.current;
  }
  set(value: T): void {
    this.current = value;
    this.listeners.forEach((l) => l(value));
  }
  /** Calls `listener` now and on every change; returns the way to stop. */
  watch(listener: (value: T) => void): () => void {
    this.listeners.add(listener);
    listener(this.current);
    return () => this.listeners.delete(listener);
  }
}

/** What every signed-in view gets. */
export interface App {
  api: Api;
  me: Signal<User>;
  /** Unread notifications; shown in the nav. */
  unread: Signal<number>;
  /** Each reminder from the stream, as it arrives. */
  notifications: Signal<Notification | null>;
  navigate(path: string): void;
}

/** A view renders into `main` and may return what to do when it is left. */
export type View = (app: App, main: HTMLElement) => void | (() => void);

export const zoneOf = (app: App) => app.me.value.timezone;
