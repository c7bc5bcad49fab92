import fc from "fast-check";
import { packAbility, ProjectRole } from "../../libs/authz";
import { systemClock } from "../../libs/clock";
import { AuthMeta, createTaskInput, listTasksQuery, updateTaskInput } from "../../libs/contracts";
import { postgresDb } from "../../test/support/db";
import type { TaskEvent } from "../../libs/contracts";
import type { SearchQuery } from "../search/engine";
import { SEARCH_SCHEMA } from "../search/migrations";
import { PgSearchEngine } from "../search/pg/pg-engine";
import { changeOf } from "../search/task-events";
import { migrations, TASKS_SCHEMA } from "./migrations";
import { shareInStore } from "../../test/support/sharing";
import { InvitationStore } from "./invitation-store";
import { ProjectStore } from "./project-store";
import { TaskWriter } from "./task-writer";
import { CursorCodec } from "../../libs/task-query";
import { TaskLister } from "./task-list";
import { TaskStore } from "./task-store";

const USERS = [0, 1, 2, 3].map((i) => `00000000-0000-4000-8000-00000000000${i}`);
const PROJECTS = 2;

type Step =
  | { kind: "share"; project: number; user: number; role: Exclude<ProjectRole, "owner"> }
  | { kind: "unshare"; project: number; user: number }
  | { kind: "role"; project: number; user: number; role: Exclude<ProjectRole, "owner"> }
  | { kind: "create"; user: number; project: number | null }
  | { kind: "move"; user: number; task: number; project: number | null };

const user = fc.integer({ min: 0, max: USERS.length - 1 });
const project = fc.integer({ min: 0, max: PROJECTS - 1 });
const role = fc.constantFrom("editor" as const, "viewer" as const);
const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constant("share" as const), project, user, role }),
  fc.record({ kind: fc.constant("unshare" as const), project, user }),
  fc.record({ kind: fc.constant("role" as const), project, user, role }),
  fc.record({ kind: fc.constant("create" as const), user, project: fc.option(project, { nil: null }) }),
  fc.record({ kind: fc.constant("move" as const), user, task: fc.nat(30), project: fc.option(project, { nil: null }) }),
);

let pg: Awaited<ReturnType<typeof postgresDb>>;
let search: PgSearchEngine;
beforeAll(async () => {
  pg = await postgresDb(5, { schema: TASKS_SCHEMA, migrations });
  search = new PgSearchEngine(pg.db, new CursorCodec("cursor-secret-for-tests-0123456789abcdef", systemClock), systemClock);
  await search.prepare();
});

/** What the search service's consumer does with the published events, in order. */
async function indexOutbox(): Promise<void> {
  const rows = await pg.db(`${TASKS_SCHEMA}.outbox`).orderBy("id").select("payload");
  const changes = rows.map((r) => changeOf(r.payload as TaskEvent)).filter((c) => c !== undefined);
  if (changes.length) await search.apply(changes);
}
afterAll(() => pg.close());

/**
 * Random sequences of sharing, unsharing, role changes, task creation and moves; after each
 * sequence every user's list holds exactly the tasks the model says they may see. The model
 * is the contract in plain words: a private task is its owner's; a project task is every
 * member's (one who accepted an invitation); a task leaves a project only by its owner's or
 * the project owner's hand. Steps the rules refuse must change nothing.
 */
test("every user's list and search are exactly what the sharing rules allow", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 25 }), async (steps) => {
      await pg.db.raw(`truncate ${TASKS_SCHEMA}.tasks, ${TASKS_SCHEMA}.projects, ${TASKS_SCHEMA}.project_members, ${TASKS_SCHEMA}.outbox cascade`);
      await pg.db.raw(`truncate ${SEARCH_SCHEMA}.docs`);
      const writer = new TaskWriter(pg.db, systemClock, () => undefined);
      const tasks = new TaskStore(writer);
      const projects = new ProjectStore(writer, new CursorCodec("sharing-property-test-cursor-secret-0123456789", systemClock));
      const invitations = new InvitationStore(writer);
      const as = async (u: number): Promise<AuthMeta> => packAbility({ id: USERS[u]!, roles: ["member"] }, await projects.memberships(USERS[u]!));

      // Model: project -> member -> role (user 0 owns every project); task -> {owner, project}.
      const members = Array.from({ length: PROJECTS }, () => new Map<number, ProjectRole>([[0, "owner"]]));
      const projectIds: string[] = [];
      for (let p = 0; p < PROJECTS; p++) projectIds.push((await projects.create(await as(0), { name: `P${p}` })).id);
      const model: { id: string; owner: number; project: number | null }[] = [];
      const canWrite = (u: number, p: number | null, owner: number) => (p === null ? u === owner : ["owner", "editor"].includes(members[p]!.get(u) ?? ""));

      for (const s of steps) {
        const attempt = async (run: () => Promise<unknown>, allowed: boolean) => {
          const outcome = await run().then(() => "ok", (err: { type?: string }) => err.type ?? "error");
          expect([s, outcome === "ok"]).toEqual([s, allowed]);
        };
        if (s.kind === "share") {
          const fresh = !members[s.project]!.has(s.user);
          await attempt(async () => shareInStore(invitations, await as(0), projectIds[s.project]!, await as(s.user), s.role), fresh);
          if (fresh) members[s.project]!.set(s.user, s.role);
        } else if (s.kind === "unshare") {
          const r = members[s.project]!.get(s.user);
          await attempt(async () => projects.removeMember(await as(0), projectIds[s.project]!, USERS[s.user]!), r !== undefined && r !== "owner");
          if (r !== "owner") members[s.project]!.delete(s.user);
        } else if (s.kind === "role") {
          const r = members[s.project]!.get(s.user);
          await attempt(async () => projects.changeRole(await as(0), projectIds[s.project]!, USERS[s.user]!, s.role), r !== undefined && r !== "owner");
          if (r !== undefined && r !== "owner") members[s.project]!.set(s.user, s.role);
        } else if (s.kind === "create") {
          const allowed = canWrite(s.user, s.project, s.user);
          const input = createTaskInput.parse({ title: "Weekly chore", projectId: s.project === null ? null : projectIds[s.project] });
          let id = "";
          await attempt(async () => (id = (await tasks.create(await as(s.user), input)).id), allowed);
          if (allowed) model.push({ id, owner: s.user, project: s.project });
        } else if (model.length) {
          const task = model[s.task % model.length]!;
          // Taking a task out of a project is for its owner or the project's owner, not any editor.
          const mayTakeOut = task.project === null || s.project === task.project || s.user === task.owner || members[task.project]!.get(s.user) === "owner";
          const allowed = canWrite(s.user, task.project, task.owner) && canWrite(s.user, s.project, task.owner) && mayTakeOut;
          const patch = updateTaskInput.parse({ projectId: s.project === null ? null : projectIds[s.project] });
          await attempt(async () => tasks.update(await as(s.user), task.id, patch), allowed);
          if (allowed) task.project = s.project;
        }
      }

      await indexOutbox();
      for (let u = 0; u < USERS.length; u++) {
        const expected = model.filter((t) => (t.project === null ? t.owner === u : members[t.project]!.has(u))).map((t) => t.id).sort();
        const listed = (await lister().list(await as(u), listTasksQuery.parse({ limit: "200" }))).items.map((t) => t.id).sort();
        expect([u, "list", listed]).toEqual([u, "list", expected]);
        const query = listTasksQuery.parse({ q: "chore", limit: "200" }) as SearchQuery;
        const found = (await search.search(await as(u), query)).items.map((t) => t.id).sort();
        expect([u, "search", found]).toEqual([u, "search", expected]);
      }
    }),
    { numRuns: 40 },
  );
}, 120_000);

const lister = () => new TaskLister(pg.db, new CursorCodec("cursor-secret-for-tests-0123456789abcdef", systemClock), systemClock);
