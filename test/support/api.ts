import { randomBytes } from "node:crypto";

export interface ApiResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
}

export interface RequestOptions {
  token?: string;
  headers?: Record<string, string>;
  /** Sent as is, for malformed bodies. */
  rawBody?: string;
}

/** A thin client over real HTTP. */
export class Api {
  constructor(readonly baseUrl: string) {}

  async request<T = any>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { ...options.headers };
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    let payload: string | undefined = options.rawBody;
    if (body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined) headers["content-type"] ??= "application/json";
    const url = path.startsWith("/health") ? `${this.baseUrl}${path}` : `${this.baseUrl}/api/v1${path}`;
    const res = await fetch(url, { method, headers, body: payload });
    const text = await res.text();
    const type = res.headers.get("content-type") ?? "";
    return { status: res.status, headers: res.headers, body: type.includes("json") && text ? JSON.parse(text) : text };
  }

  get = <T = any>(path: string, options?: RequestOptions) => this.request<T>("GET", path, undefined, options);
  post = <T = any>(path: string, body?: unknown, options?: RequestOptions) => this.request<T>("POST", path, body, options);
  patch = <T = any>(path: string, body?: unknown, options?: RequestOptions) => this.request<T>("PATCH", path, body, options);
  delete = <T = any>(path: string, options?: RequestOptions) => this.request<T>("DELETE", path, undefined, options);

  /** Registers a fresh user and returns their tokens. */
  async newUser(overrides: Record<string, unknown> = {}) {
    const email = `user-${randomBytes(5).toString("hex")}@example.com`;
    const password = "correct horse battery";
    const res = await this.post("/auth/register", { email, password, ...overrides });
    if (res.status !== 201) throw new Error(`register failed: ${res.status} ${JSON.stringify(res.body)}`);
    return { email, password, ...res.body } as { email: string; password: string; user: any; accessToken: string; refreshToken: string };
  }
}

/** Waits for `read` to give a value: what another process does over a durable channel takes a moment. */
export async function eventually<T>(read: () => T | undefined, what: string, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = read();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Polls an API read until `done` holds (or 15 s pass): what a durable channel carries takes a moment. */
export async function pollUntil<T>(read: () => Promise<T>, done: (value: T) => boolean, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 100));
    value = await read();
  }
  return value;
}

/**
 * Verifies the caller's phone as a person would: asks for a code, reads it where it arrived
 * (`codesSent`: the codes the WhatsApp stub received for that phone), types it back.
 */
export async function verifyPhone(api: Api, token: string, codesSent: () => string[]): Promise<ApiResponse> {
  const before = codesSent().length;
  const sent = await api.post("/me/phone/verification", undefined, { token });
  if (sent.status !== 202) throw new Error(`sending a code failed: ${sent.status} ${JSON.stringify(sent.body)}`);
  const code = await eventually(() => codesSent()[before], "the verification code at the WhatsApp stub");
  const confirmed = await api.post("/me/phone/verification/confirm", { code }, { token });
  if (confirmed.status !== 200) throw new Error(`confirming the code failed: ${confirmed.status} ${JSON.stringify(confirmed.body)}`);
  return confirmed;
}

/**
 * Shares a project the only way there is: its owner invites the member's email and the member
 * accepts. Throws on any other answer, so a test's setup cannot fail silently.
 */
export async function share(api: Api, owner: { accessToken: string }, projectId: string, member: { email: string; accessToken: string }, role: "editor" | "viewer"): Promise<void> {
  const invited = await api.post(`/projects/${projectId}/members`, { email: member.email, role }, { token: owner.accessToken });
  if (invited.status !== 202) throw new Error(`invite failed: ${invited.status} ${JSON.stringify(invited.body)}`);
  const accepted = await api.post(`/invitations/${invited.body.invitationId}/accept`, undefined, { token: member.accessToken });
  if (accepted.status !== 200) throw new Error(`accept failed: ${accepted.status} ${JSON.stringify(accepted.body)}`);
}

export type TestUser = Awaited<ReturnType<Api["newUser"]>>;

/** An RFC 9457 answer with the given status: the shape every error of the API has. */
export function expectProblem(res: { status: number; headers: Headers; body: any }, status: number): void {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, title: expect.any(String), detail: expect.any(String), errors: expect.any(Array) });
}
