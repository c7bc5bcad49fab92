import { hostsOf } from "./index";

test("a multi-host URL is one URL per host, credentials, database and parameters kept, target_session_attrs dropped", () => {
  expect(hostsOf("postgres://u:p@db-1:5432,db-2:5433/todogenie?target_session_attrs=read-write&sslmode=require")).toEqual([
    "postgres://u:p@db-1:5432/todogenie?sslmode=require",
    "postgres://u:p@db-2:5433/todogenie?sslmode=require",
  ]);
  expect(hostsOf("postgresql://db-1,db-2/x?target_session_attrs=read-write")).toEqual(["postgresql://db-1/x", "postgresql://db-2/x"]);
});

test("a one-host URL is itself", () => {
  expect(hostsOf("postgres://u:p@db:5432/todogenie?sslmode=require")).toEqual(["postgres://u:p@db:5432/todogenie?sslmode=require"]);
});
