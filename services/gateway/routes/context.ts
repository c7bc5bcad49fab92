import type { ServiceBroker } from "moleculer";
import type { Clock } from "../../../libs/clock";
import type { ActionName, AuthMeta, ParamsOf, ResultOf } from "../../../libs/contracts";
import { broadcast, callAs as callAsUser } from "../../../libs/broker/bus";
import type { Db } from "../../../libs/db";
import type { OutboxProbeOptions } from "../../../libs/health";
import type { Lifecycle } from "../../../libs/lifecycle";
import type { PhoneVerifications } from "../auth/phone-verification";
import type { CursorCodec } from "../../../libs/task-query";
import type { TokenService } from "../auth/token-service";
import type { PersonalTokens } from "../auth/personal-tokens";
import type { UserStore } from "../auth/user-store";

/** What route handlers may use. */
export interface GatewayContext {
  broker: ServiceBroker;
  db: Db;
  clock: Clock;
  users: UserStore;
  phoneVerifications: PhoneVerifications;
  tokens: TokenService;
  personalTokens: PersonalTokens;
  /** Signs list cursors the gateway issues (admin users), as tasks and notify sign theirs. */
  cursors: CursorCodec;
  /** Drops a user from this gateway's authentication cache (callersChanged tells every gateway). */
  forgetUser(userId: string): void;
  lifecycle: Lifecycle;
  /** The outboxes this process publishes: the public readiness reports them stale as the health port does. */
  outbox?: OutboxProbeOptions;
}

/** Calls another service as the caller: only their id, roles and packed rules travel. */
export function callAs<A extends ActionName>(ctx: GatewayContext, auth: AuthMeta, action: A, params: ParamsOf<A>): Promise<ResultOf<A>> {
  return callAsUser(ctx.broker, auth, action, params);
}

/**
 * These users' accounts (roles, disabled, timezone, erased) or memberships changed: this gateway
 * re-reads them on their next request, and so does every other gateway once the announcement
 * reaches it (they keep a caller up to CALLER_CACHE_MS otherwise).
 */
export function callersChanged(ctx: GatewayContext, ...userIds: string[]): void {
  userIds.forEach((id) => ctx.forgetUser(id));
  void broadcast(ctx.broker, "gateway.callersChanged", { userIds }, "gateway");
}
