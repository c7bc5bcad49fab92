import { z } from "zod";

/** An ISO 8601 instant that names its offset ("Z" or "+01:00"). */
export const instant = z.iso
  .datetime({ offset: true, message: "must be an ISO 8601 date-time with offset, e.g. 2026-12-01T09:00:00+01:00" })
  .meta({ format: "date-time" });
