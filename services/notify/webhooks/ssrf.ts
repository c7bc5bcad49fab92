import { lookup } from "node:dns/promises";
import { BlockList, isIP } from "node:net";

/**
 * Where a webhook may not go: every address that reaches this host, its network or its cloud
 * (private, loopback, link-local with the metadata service, unique-local, CGNAT, multicast,
 * unspecified, reserved), unless an operator names the host in WEBHOOK_ALLOWED_HOSTS.
 */
const BLOCKED = new BlockList();
for (const [net, prefix] of [
  ["0.0.0.0", 8],
  ["10.0.0.0", 8],
  ["100.64.0.0", 10],
  ["127.0.0.0", 8],
  ["169.254.0.0", 16],
  ["172.16.0.0", 12],
  ["192.0.0.0", 24],
  ["192.0.2.0", 24],
  ["192.168.0.0", 16],
  ["198.18.0.0", 15],
  ["198.51.100.0", 24],
  ["203.0.113.0", 24],
  ["224.0.0.0", 4],
  ["240.0.0.0", 4],
] as const) {
  BLOCKED.addSubnet(net, prefix, "ipv4");
}
for (const [net, prefix] of [
  ["::", 128],
  ["::1", 128],
  ["100::", 64],
  ["2001:db8::", 32],
  ["fc00::", 7],
  ["fe80::", 10],
  ["fec0::", 10],
  ["ff00::", 8],
] as const) {
  BLOCKED.addSubnet(net, prefix, "ipv6");
}

/** The IPv4 address an IPv6 one carries (mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::`, 6to4 `2002:`), if any. */
function embeddedV4(address: string): string | undefined {
  const lower = address.toLowerCase();
  const dotted = /^(?:::ffff:|64:ff9b::)(\d+\.\d+\.\d+\.\d+)$/.exec(lower);
  if (dotted) return dotted[1];
  const hex = /^(?:::ffff:|64:ff9b::)([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(lower);
  const sixToFour = /^2002:([0-9a-f]{1,4}):([0-9a-f]{1,4}):/.exec(lower);
  const parts = hex ?? sixToFour;
  if (!parts) return undefined;
  const hi = parseInt(parts[1]!, 16);
  const lo = parseInt(parts[2]!, 16);
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

/** Whether an IP literal is one a webhook may not reach. */
export function isForbiddenAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return BLOCKED.check(address, "ipv4");
  if (family === 6) {
    const v4 = embeddedV4(address);
    if (v4 !== undefined) return BLOCKED.check(v4, "ipv4");
    return BLOCKED.check(address, "ipv6");
  }
  return true;
}

export interface ResolvedTarget {
  /** The address to connect to: checked, so a DNS answer changed since (rebinding) is never used. */
  address: string;
  family: 4 | 6;
}

export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;
const systemResolver: Resolver = (host) => lookup(host, { all: true, verbatim: true });

export class TargetRefused extends Error {}

/** A URL's host without IPv6 brackets, lower case. */
export function hostOf(url: URL): string {
  return url.hostname.toLowerCase().replace(/^\[(.*)\]$/, "$1");
}

/**
 * Checks a webhook URL and resolves its host: every address it resolves to must be public (one
 * private answer among public ones refuses it too: the connection could land on any), unless
 * the host is allow-listed. Answers the address to connect to.
 */
export async function resolveTarget(rawUrl: string, allowedHosts: readonly string[], resolve: Resolver = systemResolver): Promise<ResolvedTarget> {
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    throw new TargetRefused("is not a URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new TargetRefused("must be http or https");
  if (url.username || url.password) throw new TargetRefused("must not carry credentials");
  const host = hostOf(url);
  const allowed = allowedHosts.includes(host);
  const literal = isIP(host);
  let addresses: { address: string; family: number }[];
  if (literal) addresses = [{ address: host, family: literal }];
  else {
    try {
      addresses = await resolve(host);
    } catch {
      throw new TargetRefused(`host ${host} does not resolve`);
    }
  }
  if (!addresses.length) throw new TargetRefused(`host ${host} does not resolve`);
  if (!allowed) {
    const bad = addresses.find((a) => isForbiddenAddress(a.address));
    if (bad) throw new TargetRefused(`host ${host} resolves to ${bad.address}, a private, loopback or link-local address (not in WEBHOOK_ALLOWED_HOSTS)`);
  }
  const first = addresses[0]!;
  return { address: first.address, family: first.family === 6 ? 6 : 4 };
}
