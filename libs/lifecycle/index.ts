import type { Server } from "node:http";

export type LifecycleState = "starting" | "running" | "draining";

/**
 * Where a process is in its life: starting, running, then draining once asked to stop. Readiness
 * reads it (only a running process is ready), and the parts that take outside work (an HTTP
 * server, later the SSE streams) register how they finish it, which shutdown runs before the
 * broker stops.
 */
export class Lifecycle {
  #state: LifecycleState = "starting";
  readonly #drainers: Array<() => Promise<void>> = [];

  get state(): LifecycleState {
    return this.#state;
  }

  get draining(): boolean {
    return this.#state === "draining";
  }

  /** Everything has started: readiness may answer 200. */
  markRunning(): void {
    if (this.#state === "starting") this.#state = "running";
  }

  /** From now on readiness answers 503; nothing else changes yet. */
  beginDrain(): void {
    this.#state = "draining";
  }

  /** Registers a step that stops taking new work and finishes what is in flight. */
  onDrain(drain: () => Promise<void>): void {
    this.#drainers.push(drain);
  }

  /** Runs every registered step once, together. */
  async drain(): Promise<void> {
    this.beginDrain();
    await Promise.all(this.#drainers.splice(0).map((drain) => drain()));
  }
}

/**
 * Stops accepting connections and lets in-flight requests finish; connections left after
 * `timeoutMs` are cut. Keep-alive connections are closed as soon as they fall idle, so a
 * client's pooled connection does not hold the process for the keep-alive timeout.
 */
export function closeHttpServer(server: Server, timeoutMs: number): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const idle = setInterval(() => server.closeIdleConnections(), 50);
    const force = setTimeout(() => server.closeAllConnections(), timeoutMs);
    server.close(() => {
      clearInterval(idle);
      clearTimeout(force);
      resolve();
    });
  });
}
