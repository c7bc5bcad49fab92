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

export type TestUser = Awaited<ReturnType<Api["newUser"]>>;

/** An RFC 9457 answer with the given status: the shape every error of the API has. */
export function expectProblem(res: { status: number; headers: Headers; body: any }, status: number): void {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status, title: expect.any(String), detail: expect.any(String), errors: expect.any(Array) });
}
