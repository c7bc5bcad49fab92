/**
 * The caller's identity on the bus is signed: any process that can publish on NATS could otherwise
 * call an action as anyone by writing `meta.auth`. The processes that legitimately act as a user
 * (the gateway, notify's WhatsApp commands) sign `auth` with BUS_SECRET and a short expiry; every
 * service checks the signature before it believes the identity (`authOf`).
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Clock } from "../clock";
import type { AuthMeta } from "../contracts/auth";
import { UnauthorizedError } from "../errors";

/** Long enough for a call and the calls it makes with its context; short enough that a captured signature soon dies. */
export const AUTH_SIG_TTL_MS = 60_000;
/** A signature is reused while it has this much life left, so a busy user costs one HMAC a while on the sending side. */
const REUSE_MARGIN_MS = 30_000;
/** Signatures remembered as checked; past it the memory starts again (each costs one HMAC to relearn). */
const VERIFIED_MAX = 10_000;
/** Separates this use of the key from any other the same secret could be put to. */
const DOMAIN = "todogenie:bus-auth:v1";

export interface BusIdentity {
  sign(auth: AuthMeta): string;
  /** The identity, if `sig` signs it and has not expired; else UnauthorizedError. */
  verify(auth: unknown, sig: unknown): AuthMeta;
}

/**
 * JSON with object keys sorted at every depth: the signer and the verifier see the same bytes
 * whatever order a serializer or a peer put the keys in.
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
    return `{${entries.join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

export function busIdentity(secret: string, clock: Pick<Clock, "now"> = { now: () => new Date() }): BusIdentity {
  const macOf = (exp: number, body: string) => createHmac("sha256", secret).update(`${DOMAIN}\n${exp}\n${body}`).digest();
  const mac = (exp: number, auth: unknown) => macOf(exp, canonicalJson(auth));
  // A signature checked once, with the exact identity it signed: a busy caller's later calls
  // carry the same pair for up to a minute, and comparing the bytes is what the HMAC would prove again.
  const verified = new Map<string, string>();
  // The gateway reuses one AuthMeta object per token (its authentication cache), so this is keyed by identity of the object.
  const signed = new WeakMap<AuthMeta, { exp: number; sig: string }>();
  return {
    sign(auth) {
      const now = clock.now().getTime();
      const cached = signed.get(auth);
      if (cached && cached.exp - now > REUSE_MARGIN_MS) return cached.sig;
      const exp = now + AUTH_SIG_TTL_MS;
      const sig = `${exp}.${mac(exp, auth).toString("base64url")}`;
      signed.set(auth, { exp, sig });
      return sig;
    },
    verify(auth, sig) {
      if (!auth) throw new UnauthorizedError("call carries no caller identity");
      if (typeof sig !== "string") throw new UnauthorizedError("caller identity is not signed");
      const dot = sig.indexOf(".");
      const exp = Number(sig.slice(0, dot));
      if (dot < 1 || !Number.isSafeInteger(exp)) throw new UnauthorizedError("caller identity signature is malformed");
      const body = canonicalJson(auth);
      if (verified.get(sig) !== body) {
        const given = Buffer.from(sig.slice(dot + 1), "base64url");
        const expected = macOf(exp, body);
        if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new UnauthorizedError("caller identity signature does not match");
        if (verified.size >= VERIFIED_MAX) verified.clear();
        verified.set(sig, body);
      }
      // Checked after the MAC, so an expiry is only believed once it is known to be the signer's.
      if (exp <= clock.now().getTime()) throw new UnauthorizedError("caller identity signature has expired");
      return auth as AuthMeta;
    },
  };
}

// Per broker, not per process: tests (and a process of several brokers) may hold different keys.
const identities = new WeakMap<object, BusIdentity>();

export function bindBusIdentity(broker: object, identity: BusIdentity): void {
  identities.set(broker, identity);
}

/** The key of the broker a call goes through (a broker, or a context's broker); undefined when none was bound. */
export function busIdentityOf(caller: object): BusIdentity | undefined {
  const broker = (caller as { broker?: object }).broker ?? caller;
  return identities.get(broker);
}
