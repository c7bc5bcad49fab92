import type { ServiceBroker } from "moleculer";
import type { Clock } from "../../../libs/clock";
import type { AuthMeta } from "../../../libs/contracts";
import type { Db } from "../../../libs/db";
import type { Lifecycle } from "../../../libs/lifecycle";
import type { TokenService } from "../auth/token-service";
import type { UserStore } from "../auth/user-store";

/** What route handlers may use. */
export interface GatewayContext {
  broker: ServiceBroker;
  db: Db;
  clock: Clock;
  users: UserStore;
  tokens: TokenService;
  /** Drops a user from the authentication cache after an admin changes them. */
  forgetUser(userId: string): void;
  lifecycle: Lifecycle;
}

/** Calls another service as the caller: only their id, roles and packed rules travel. */
export function callAs<T>(ctx: GatewayContext, auth: AuthMeta, action: string, params: object): Promise<T> {
  return ctx.broker.call(action, params, { meta: { auth } }) as Promise<T>;
}
