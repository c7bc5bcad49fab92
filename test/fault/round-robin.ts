import net from "node:net";

export interface RoundRobin {
  /** Connections handed to each upstream, by port. */
  readonly served: Map<number, number>;
  close(): Promise<void>;
}

/**
 * A load balancer in front of several gateways, the way a Service or an ingress spreads clients:
 * each new TCP connection goes to the next upstream in turn; one that refuses the connection (a
 * killed gateway) is skipped for the next, as nginx's `proxy_next_upstream error` does. HTTP
 * keep-alive connections and SSE streams stay with the gateway they reached.
 */
export async function startRoundRobin(port: number, upstreams: number[]): Promise<RoundRobin> {
  let next = 0;
  const served = new Map<number, number>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on("close", () => sockets.delete(client));
    client.pause();
    const attempt = (tries: number) => {
      const target = upstreams[next++ % upstreams.length]!;
      const upstream = net.connect(target, "127.0.0.1");
      upstream.once("connect", () => {
        served.set(target, (served.get(target) ?? 0) + 1);
        sockets.add(upstream);
        upstream.on("close", () => sockets.delete(upstream));
        client.pipe(upstream).pipe(client);
        client.resume();
        upstream.on("error", () => client.destroy());
        client.on("error", () => upstream.destroy());
        upstream.on("close", () => client.destroy());
        client.on("close", () => upstream.destroy());
      });
      upstream.once("error", () => {
        if (upstream.connecting || !upstream.remoteAddress) {
          if (tries + 1 < upstreams.length) attempt(tries + 1);
          else client.destroy();
        }
      });
    };
    attempt(0);
  });
  await new Promise<void>((resolve, reject) => server.listen(port, "127.0.0.1", resolve).once("error", reject));
  return {
    served,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
