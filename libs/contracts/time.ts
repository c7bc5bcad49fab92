import { z } from "zod";
import { inInstantRange } from "../time";

/**
 * An ISO 8601 instant that names its offset ("Z" or "+01:00"), in years 0001-9999 once
 * taken to UTC: "0001-01-01T00:00:00+01:00" is year 0 and "9999-12-31T23:00:00-05:00" year
 * 10000, which Postgres, JSON and the scheduler would each handle differently, or fail on.
 */
export const instant = z.iso
  .datetime({ offset: true, message: "must be an ISO 8601 date-time with offset, e.g. 2026-12-01T09:00:00+01:00" })
  .refine((text) => inInstantRange(Date.parse(text)), "must fall within the years 0001 to 9999 (UTC)")
  .meta({ format: "date-time" });
