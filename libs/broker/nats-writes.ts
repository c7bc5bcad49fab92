import { encode } from "nats/lib/nats-base-client/encoders";
import { ProtocolHandler } from "nats/lib/nats-base-client/protocol";

const BATCHED = Symbol.for("todogenie.nats.batchedWrites");

/**
 * nats.js writes what a connection has to send when the microtask queue that filled it drains.
 * Node drains that queue after every I/O callback, so a gateway answering 100 connections makes
 * one socket write per request even when the requests arrived in one poll of the event loop,
 * and on a VM's loopback a write is the dearest thing the process does: 17.5 % of the gateway's
 * busy time went to `writeBuffer` under GET-by-id load (issue 14, bench/RESULTS.md).
 * Deferred to the loop's check phase (setImmediate), everything one turn publishes leaves in one
 * write: GET by id went from 976 to 1,495–1,655 req/s on the same run. Order is unchanged (one
 * buffer, drained whole), a full buffer still goes at once, and an idle connection waits no
 * longer than the end of the current loop turn.
 *
 * It replaces ProtocolHandler's sendCommand (nats 2.x), which has no option for it; the test
 * beside this file fails if an upgrade changes what it replaces.
 */
export function batchNatsWrites(): void {
  const proto = ProtocolHandler.prototype as ProtocolHandler & { [BATCHED]?: true };
  if (proto[BATCHED]) return;
  proto.sendCommand = function sendCommand(this: ProtocolHandler, cmd: string | Uint8Array, ...payloads: Uint8Array[]) {
    const flush = () => (this as unknown as { flushPending(): void }).flushPending();
    const empty = this.outbound.length() === 0;
    this.outbound.fill(typeof cmd === "string" ? encode(cmd) : cmd, ...payloads);
    if (empty) setImmediate(flush);
    else if (this.outbound.size() >= this.pendingLimit) flush();
  };
  proto[BATCHED] = true;
}
