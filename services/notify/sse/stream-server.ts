import { createServer, Server } from "node:http";
import { STREAM_PATH, type StreamHandler } from "../../../libs/contracts/streams";

/**
 * In distributed mode each notify process owns its streams on a port of its own; the
 * gateway proxies the public stream path to one of them (see the gateway's stream route).
 */
export async function listenForStreams(handler: StreamHandler, port: number, host: string): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.method === "GET" && req.url?.split("?")[0] === STREAM_PATH) return void handler(req, res);
    res.writeHead(404).end();
  });
  // Streams are long-lived by design.
  server.requestTimeout = 0;
  server.headersTimeout = 10_000;
  await new Promise<void>((resolve, reject) => server.listen(port, host, () => resolve()).once("error", reject));
  return server;
}
