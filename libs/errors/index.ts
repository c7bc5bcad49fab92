import { Errors } from "moleculer";

export interface FieldError {
  path: string;
  message: string;
}

/**
 * Base of every error the API answers on purpose. It extends MoleculerError so that
 * `code` (the HTTP status), `type` and `data` survive the trip over NATS; the gateway
 * switches on `type`, never on the class, because a remote error arrives re-created.
 */
export abstract class AppError extends Errors.MoleculerError {
  abstract readonly title: string;
  constructor(status: number, type: ErrorType, detail: string, data?: Record<string, unknown>) {
    super(detail, status, type, data);
  }
}

export const ERROR_TYPES = {
  BAD_REQUEST: { status: 400, title: "Bad request" },
  UNAUTHORIZED: { status: 401, title: "Unauthorized" },
  FORBIDDEN: { status: 403, title: "Forbidden" },
  NOT_FOUND: { status: 404, title: "Not found" },
  CONFLICT: { status: 409, title: "Conflict" },
  PRECONDITION_FAILED: { status: 412, title: "Precondition failed" },
  PAYLOAD_TOO_LARGE: { status: 413, title: "Payload too large" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: "Unsupported media type" },
  GONE: { status: 410, title: "Gone" },
  VALIDATION: { status: 422, title: "Validation failed" },
  RATE_LIMITED: { status: 429, title: "Too many requests" },
  UNAVAILABLE: { status: 503, title: "Service unavailable" },
} as const;
export type ErrorType = keyof typeof ERROR_TYPES;

function defineError(type: ErrorType) {
  return class extends AppError {
    readonly title = ERROR_TYPES[type].title;
    constructor(detail: string = ERROR_TYPES[type].title, data?: Record<string, unknown>) {
      super(ERROR_TYPES[type].status, type, detail, data);
    }
  };
}

export class BadRequestError extends defineError("BAD_REQUEST") {}
export class UnauthorizedError extends defineError("UNAUTHORIZED") {}
export class ForbiddenError extends defineError("FORBIDDEN") {}
export class NotFoundError extends defineError("NOT_FOUND") {}
export class ConflictError extends defineError("CONFLICT") {}
export class PreconditionFailedError extends defineError("PRECONDITION_FAILED") {}
export class PayloadTooLargeError extends defineError("PAYLOAD_TOO_LARGE") {}
/** What the request names existed once and is no longer kept (an old sync token): start over. */
export class GoneError extends defineError("GONE") {}
export class UnsupportedMediaTypeError extends defineError("UNSUPPORTED_MEDIA_TYPE") {}
/** Retryable: the caller may try again later (a dependency is down or busy). */
export class UnavailableError extends defineError("UNAVAILABLE") {
  override retryable = true;
}

export class ValidationError extends AppError {
  readonly title = ERROR_TYPES.VALIDATION.title;
  constructor(detail: string, errors: FieldError[] = []) {
    super(422, "VALIDATION", detail, { errors });
  }
}

export class RateLimitedError extends AppError {
  readonly title = ERROR_TYPES.RATE_LIMITED.title;
  constructor(retryAfterSeconds: number) {
    super(429, "RATE_LIMITED", `Too many requests; retry after ${retryAfterSeconds} s`, { retryAfterSeconds });
  }
}
