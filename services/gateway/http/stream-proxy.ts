import { IncomingMessage, request, ServerResponse } from "node:http";

const FORWARDED = ["authorization", "last-event-id", "accept", "user-agent"];

/**
 * Pipes a stream request to a notify replica's stream server and the events back, byte for
 * byte and unbuffered. Closing either side closes the other.
 */
export function proxyStream(req: IncomingMessage, res: ServerResponse, target: string, path: string): Promise<void> {
  return new Promise((resolve) => {
    const headers: Record<string, string> = {};
    for (const name of FORWARDED) {
      const value = req.headers[name];
      if (typeof value === "string") headers[name] = value;
    }
    const upstream = request(new URL(path, target), { method: "GET", headers }, (up) => {
      const out: Record<string, string | string[]> = {};
      for (const [name, value] of Object.entries(up.headers)) if (value !== undefined) out[name] = value;
      res.writeHead(up.statusCode ?? 502, out);
      res.flushHeaders();
      up.pipe(res);
      up.on("end", resolve);
      up.on("error", () => res.destroy());
    });
    upstream.on("error", () => {
      if (!res.headersSent) res.writeHead(502, { "retry-after": "2" });
      res.end();
      resolve();
    });
    res.on("close", () => {
      upstream.destroy();
      resolve();
    });
    upstream.end();
  });
}
