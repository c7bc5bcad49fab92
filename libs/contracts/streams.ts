import type { IncomingMessage, ServerResponse } from "node:http";

/**
 * Notification streams: notify serves them, the gateway exposes them on its public port.
 * Both sides read these from here so neither service imports the other. Not re-exported
 * from the contracts index: the browser client reads that index and has no Node types.
 */

/** The public path, and the path a notify replica's own stream server answers on. */
export const STREAM_PATH = "/api/v1/notifications/stream";

export type StreamHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>;

/** Where the process's stream server is, so the gateway can find it through the broker registry. */
export interface StreamEndpoint {
  /** Set in the composition root when the gateway runs in the same process: no network hop. */
  local?: StreamHandler;
}
