import type { QuickAddDto } from "../../libs/contracts/quick-add";
import type { AuthResult, Comment, HistoryItem, Highlighted, Invitation, Notification, Page, Task, TaskInput, User, UserPatch } from "./types";

const BASE = "/api/v1";

/**
 * Where the tokens live.
 *
 * The access token (15 min) stays in memory only: a script injected into the page could
 * read it while the page is open, but it is gone with the tab. The refresh token
 * (30 days) has to survive reloads, so it sits in localStorage, where an injected script
 * could read it too; an httpOnly cookie would hide it from scripts but would need
 * cookie auth and CSRF defences on the API, which is Bearer-only. What limits the harm:
 * the page loads nothing but its own files (a strict Content-Security-Policy from the
 * gateway, no inline script, no third-party code), every refresh rotates the token, and
 * a stolen token that is used after its owner's next refresh revokes the whole family.
 */
const REFRESH_KEY = "todogenie.refreshToken";

export interface FieldProblem {
  path: string;
  message: string;
}

/** An RFC 9457 problem from the API, or status 0 when the network failed. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly title: string,
    readonly detail: string,
    readonly errors: FieldProblem[] = [],
  ) {
    super(detail || title);
    this.name = "ApiError";
  }
}

interface RequestOptions {
  body?: unknown;
  query?: URLSearchParams;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** Send the access token and refresh it once on 401 (default true). */
  auth?: boolean;
}

export class Api {
  private accessToken: string | undefined;
  private refreshing: Promise<boolean> | undefined;
  /** Called when the session is over: the refresh token was refused, or another tab signed out. */
  onSignedOut: () => void = () => {};

  constructor() {
    window.addEventListener("storage", (e) => {
      if (e.key === REFRESH_KEY && e.newValue === null && this.accessToken) {
        this.accessToken = undefined;
        this.onSignedOut();
      }
    });
  }

  get hasSession(): boolean {
    return localStorage.getItem(REFRESH_KEY) !== null;
  }

  async request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const auth = options.auth ?? true;
    let res = await this.send(method, path, options, auth);
    if (res.status === 401 && auth && (await this.refresh())) res = await this.send(method, path, options, auth);
    if (res.status === 401 && auth) {
      this.forget();
      this.onSignedOut();
    }
    return read<T>(res);
  }

  private async send(method: string, path: string, options: RequestOptions, auth: boolean): Promise<Response> {
    const headers: Record<string, string> = { accept: "application/json", ...options.headers };
    if (auth && this.accessToken) headers.authorization = `Bearer ${this.accessToken}`;
    if (options.body !== undefined) headers["content-type"] = "application/json";
    const query = options.query?.toString();
    try {
      return await fetch(`${BASE}${path}${query ? `?${query}` : ""}`, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: options.signal,
      });
    } catch (err) {
      if ((err as Error).name === "AbortError") throw err;
      throw new ApiError(0, "Network error", "The server cannot be reached. Check your connection.");
    }
  }

  /**
   * Trades the refresh token for a new pair, once for any number of concurrent 401s. Tabs
   * share the refresh token, and reusing a spent one revokes the family, so tabs take
   * turns (Web Locks) and each reads the token only once it holds the lock.
   */
  refresh(): Promise<boolean> {
    this.refreshing ??= (async () => {
      const rotate = async () => {
        const token = localStorage.getItem(REFRESH_KEY);
        if (!token) return false;
        const res = await this.send("POST", "/auth/refresh", { body: { refreshToken: token } }, false).catch(() => undefined);
        if (!res) return false;
        if (!res.ok) {
          if (res.status === 401 && localStorage.getItem(REFRESH_KEY) === token) localStorage.removeItem(REFRESH_KEY);
          return false;
        }
        this.keep(await res.json());
        return true;
      };
      try {
        return navigator.locks ? await navigator.locks.request("todogenie-refresh", rotate) : await rotate();
      } finally {
        this.refreshing = undefined;
      }
    })();
    return this.refreshing;
  }

  private keep(result: AuthResult): User {
    this.accessToken = result.accessToken;
    localStorage.setItem(REFRESH_KEY, result.refreshToken);
    return result.user;
  }

  private forget(): void {
    this.accessToken = undefined;
    localStorage.removeItem(REFRESH_KEY);
  }

  // --- auth and the user
  async register(input: { email: string; password: string; name?: string; timezone?: string }): Promise<User> {
    return this.keep(await this.request<AuthResult>("POST", "/auth/register", { body: input, auth: false }));
  }
  async login(email: string, password: string): Promise<User> {
    return this.keep(await this.request<AuthResult>("POST", "/auth/login", { body: { email, password }, auth: false }));
  }
  async logout(): Promise<void> {
    const refreshToken = localStorage.getItem(REFRESH_KEY);
    this.forget();
    if (refreshToken) await this.request("POST", "/auth/logout", { body: { refreshToken }, auth: false }).catch(() => undefined);
  }
  me = () => this.request<User>("GET", "/me");
  updateMe = (patch: UserPatch) => this.request<User>("PATCH", "/me", { body: patch });
  sendPhoneCode = () => this.request<{ phone: string; expiresAt: string }>("POST", "/me/phone/verification");
  confirmPhoneCode = (code: string) => this.request<User>("POST", "/me/phone/verification/confirm", { body: { code } });

  // --- tasks
  listTasks = (query: URLSearchParams, signal?: AbortSignal) => this.request<Page<Task & Highlighted>>("GET", "/tasks", { query, signal });
  getTask = (id: string) => this.request<Task>("GET", `/tasks/${id}`);
  /** Quick add: what a phrase means (nothing created), and the task made from it. */
  parseTask = (text: string, signal?: AbortSignal) => this.request<QuickAddDto>("POST", "/tasks/parse", { body: { text }, signal });
  quickAdd = (text: string, idempotencyKey: string) => this.request<Task>("POST", "/tasks", { body: { quickAdd: text }, headers: { "idempotency-key": idempotencyKey } });
  createTask = (input: TaskInput, idempotencyKey: string) => this.request<Task>("POST", "/tasks", { body: input, headers: { "idempotency-key": idempotencyKey } });
  updateTask = (id: string, patch: Partial<TaskInput>, version: number) =>
    this.request<Task>("PATCH", `/tasks/${id}`, { body: patch, headers: { "if-match": `"${version}"` } });
  /** `withChildren`: the user chose to delete its subtasks too (without it, a parent answers 409). */
  deleteTask = (id: string, version: number, withChildren = false) =>
    this.request<void>("DELETE", `/tasks/${id}`, { headers: { "if-match": `"${version}"` }, query: withChildren ? new URLSearchParams({ children: "delete" }) : undefined });
  /** `children`: the user's choice for open subtasks (without it, open subtasks answer 409). */
  completeTask = (id: string, occurrenceAt?: string | null, children?: "complete" | "refuse") =>
    this.request<{ task: Task; completion: { occurrenceAt: string | null; completedAt: string } }>("POST", `/tasks/${id}/complete`, {
      // Naming the occurrence makes a double click record one completion, not two.
      body: { ...(occurrenceAt ? { occurrenceAt } : {}), ...(children ? { children } : {}) },
    });
  occurrences = (id: string, limit: number) =>
    this.request<{ items: string[] }>("GET", `/tasks/${id}/occurrences`, { query: new URLSearchParams({ limit: String(limit) }) });

  // --- subtasks, comments, history
  children = (id: string, cursor?: string | null) => this.request<Page<Task>>("GET", "/tasks", { query: pageQuery({ parentId: id, limit: "50" }, cursor) });
  comments = (taskId: string, cursor?: string | null) => this.request<Page<Comment>>("GET", `/tasks/${taskId}/comments`, { query: pageQuery({ limit: "20" }, cursor) });
  addComment = (taskId: string, text: string, idempotencyKey: string) =>
    this.request<Comment>("POST", `/tasks/${taskId}/comments`, { body: { text }, headers: { "idempotency-key": idempotencyKey } });
  editComment = (c: Comment, text: string) => this.request<Comment>("PATCH", `/comments/${c.id}`, { body: { text }, headers: { "if-match": `"${c.version}"` } });
  deleteComment = (id: string) => this.request<void>("DELETE", `/comments/${id}`);
  history = (taskId: string, cursor?: string | null) => this.request<Page<HistoryItem>>("GET", `/tasks/${taskId}/history`, { query: pageQuery({ limit: "20" }, cursor) });

  // --- notifications
  ticket = () => this.request<{ ticket: string; expiresIn: number }>("POST", "/notifications/ticket");
  listNotifications = (query: { unread?: boolean; limit?: number; cursor?: string }) => {
    const q = new URLSearchParams();
    if (query.unread !== undefined) q.set("unread", String(query.unread));
    if (query.limit) q.set("limit", String(query.limit));
    if (query.cursor) q.set("cursor", query.cursor);
    return this.request<Page<Notification>>("GET", "/notifications", { query: q });
  };
  markRead = (id: string) => this.request<void>("POST", `/notifications/${id}/read`);
  snooze = (id: string, minutes: number) => this.request<{ id: string; snoozedUntil: string }>("POST", `/notifications/${id}/snooze`, { body: { minutes } });

  // --- invitations to projects
  listInvitations = () => this.request<{ items: Invitation[] }>("GET", "/invitations");
  acceptInvitation = (id: string) => this.request<{ projectId: string; role: string }>("POST", `/invitations/${id}/accept`);
  declineInvitation = (id: string) => this.request<void>("POST", `/invitations/${id}/decline`);
}

function pageQuery(params: Record<string, string>, cursor?: string | null): URLSearchParams {
  const q = new URLSearchParams(params);
  if (cursor) q.set("cursor", cursor);
  return q;
}

async function read<T>(res: Response): Promise<T> {
  const text = await res.text();
  const body = text && (res.headers.get("content-type") ?? "").includes("json") ? JSON.parse(text) : undefined;
  if (res.ok) return body as T;
  throw new ApiError(res.status, body?.title ?? res.statusText, body?.detail ?? "", body?.errors ?? []);
}
