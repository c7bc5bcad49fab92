import { packAbility } from "../../libs/authz";
import { ManualClock } from "../../libs/clock";
import { type SharingLimits } from "../../libs/config";
import { AuthMeta } from "../../libs/contracts";
import { Db } from "../../libs/db";
import { CursorCodec } from "../../libs/task-query";
import { InvitationStore } from "../../services/tasks/invitation-store";
import { migrations, TASKS_SCHEMA } from "../../services/tasks/migrations";
import { ProjectStore } from "../../services/tasks/project-store";
import { TaskStore } from "../../services/tasks/task-store";
import { TaskWriter } from "../../services/tasks/task-writer";
import { postgresDb } from "./db";

export const ALICE = "00000000-0000-4000-8000-00000000000a";
export const BOB = "00000000-0000-4000-8000-00000000000b";
export const CAROL = "00000000-0000-4000-8000-00000000000c";

export interface TasksDb {
  db: Db;
  /** At 2026-03-01T10:00Z when the file starts; tests move it. */
  clock: ManualClock;
  /** Relay kicks so far: one per commit that wrote to the outbox. */
  wakes: number;
  writer: TaskWriter;
  tasks: TaskStore;
  projects: ProjectStore;
  invitations: InvitationStore;
  /** The caller's ability with their memberships packed in, as the gateway builds it per request. */
  as(userId: string): Promise<AuthMeta>;
  /** Empties projects (members and invitations with them), tasks and the outbox. */
  truncate(): Promise<unknown>;
}

/**
 * For a test file: a fresh Postgres database with the tasks schema, opened before its tests and
 * dropped after them, and the tasks service's stores over one write path. The fields are filled
 * in by the file's `beforeAll`.
 */
export function useTasksDb(limits?: SharingLimits): TasksDb {
  const fixture = { clock: new ManualClock(new Date("2026-03-01T10:00:00Z")), wakes: 0 } as TasksDb;
  let close: () => Promise<void>;
  beforeAll(async () => {
    const pg = await postgresDb(5, { schema: TASKS_SCHEMA, migrations });
    close = pg.close;
    const writer = new TaskWriter(pg.db, fixture.clock, () => fixture.wakes++);
    Object.assign(fixture, {
      db: pg.db,
      writer,
      tasks: new TaskStore(writer),
      projects: new ProjectStore(writer, new CursorCodec("tasks-db-test-cursor-secret-0123456789", fixture.clock), limits),
      invitations: new InvitationStore(writer, limits),
      as: async (userId: string) => packAbility({ id: userId, roles: ["member"] }, await fixture.projects.memberships(userId)),
      truncate: () => pg.db.raw(`truncate ${TASKS_SCHEMA}.projects, ${TASKS_SCHEMA}.tasks, ${TASKS_SCHEMA}.outbox cascade`),
    });
  });
  afterAll(() => close?.());
  return fixture;
}
