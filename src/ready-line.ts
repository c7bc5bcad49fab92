/**
 * The line a process prints once it serves: people read it at a terminal, and the test suites
 * (test/support/stack.ts) parse it from piped stdout to learn the ports a process got.
 */
export interface Ready {
  mode: string;
  services: readonly string[];
  healthPort: number;
  /** The gateway's origin (`http://localhost:3000`): only a process that runs the gateway has one. */
  url?: string;
  ms: number;
}

export function readyLine({ mode, services, healthPort, url, ms }: Ready): string {
  const where = url ? ` at ${url}/api/v1, web page ${url}/` : "";
  return `Todogenie ready (${mode}, services: ${services.join(", ")}, health port ${healthPort})${where} in ${Math.round(ms)} ms`;
}

// Unanchored: in JSON mode the line is the `msg` of a log record, and JSON leaves its characters as they are.
const READY = /Todogenie ready \(.*?, health port (\d+)\)(?: at (http:\/\/\S+)\/api\/v1, web page \2\/)? in \d+ ms/;

/** The health port and the gateway's origin from the first ready line in a process's output, if it has printed one yet. */
export function parseReadyLine(output: string): { healthPort: number; url?: string } | undefined {
  const match = READY.exec(output);
  return match ? { healthPort: Number(match[1]), url: match[2] } : undefined;
}
