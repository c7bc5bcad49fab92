import type { Logger } from "pino";

const LEVELS = ["fatal", "error", "warn", "info", "debug", "trace"] as const;
type Level = (typeof LEVELS)[number];
export type LogMethods = Record<Level, (...args: unknown[]) => void>;

/**
 * Moleculer's loggers are called the console's way, `warn("publish failed", err)`; pino takes the
 * object first and drops whatever follows a message that has no placeholders, so every error's
 * cause was lost from the logs. This puts an error where pino serialises it (`err`, with its
 * stack), other objects under `args`, and further strings after the message.
 */
export function consoleStyle(logger: Logger): LogMethods {
  const method = (level: Level) => (...args: unknown[]) => {
    const [first, ...rest] = args;
    if (typeof first !== "string" || rest.length === 0) return (logger[level] as (...a: unknown[]) => void)(...args);
    const err = rest.find((a) => a instanceof Error);
    const objects = rest.filter((a) => a !== err && typeof a === "object" && a !== null);
    const words = rest.filter((a) => a !== err && (typeof a !== "object" || a === null)).map(String);
    const fields = { ...(err ? { err } : {}), ...(objects.length ? { args: objects } : {}) };
    logger[level](fields, [first, ...words].join(" "));
  };
  return Object.fromEntries(LEVELS.map((level) => [level, method(level)])) as LogMethods;
}
