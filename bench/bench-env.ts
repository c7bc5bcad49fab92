/** Shared settings of the benchmark scripts (run by hand, never in CI). */
import { readFileSync } from "node:fs";

export const BENCH_DATABASE_URL = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/todogenie_bench";
export const BENCH_JWT_SECRET = process.env.JWT_SECRET ?? "bench-secret-that-is-long-enough-for-hs256-0123456789";
/** The one user with 100,000 tasks. */
export const HEAVY_USER = "00000000-0000-4000-8000-000000000001";
export const HEAVY_TASKS = 100_000;
export const USERS = 10_000;
/** Tasks per typical user: 57..123, about 90 on average, so about 1,000,000 in all. */
export const TYPICAL_MIN = 57;
export const TYPICAL_SPREAD = 67;

/** The words titles are made of; the load generator searches for them (and for typos of them). */
export const VERBS = ["Buy", "Call", "Plan", "Write", "Review", "Fix", "Send", "Book", "Clean", "Prepare", "Pay", "Update", "Check", "Order", "Draft"];
export const NOUNS = [
  "groceries", "landing page", "quarterly report", "invoice", "dentist", "flight", "budget", "newsletter", "garden", "car service",
  "birthday gift", "tax return", "slides", "contract", "roadmap", "backup", "insurance", "kitchen", "meeting notes", "release notes",
  "onboarding", "payroll", "website", "holiday", "laptop", "presentation", "customer email", "bug report", "team lunch", "rent",
];
export const TAGS = ["work", "home", "errands", "finance", "health", "family", "urgent", "someday", "travel", "reading", "admin", "ideas"];

/** A process's resident memory in MiB, from /proc; NaN once it has ended. */
export const rssMiB = (pid: number) => {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return kb ? Math.round(Number(kb) / 1024) : NaN;
  } catch {
    return NaN;
  }
};
