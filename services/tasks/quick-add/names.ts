/**
 * The names a phrase gives after + (a project) resolved among what the caller can see,
 * and the people its @name may mean. One query each. A project the caller is not a member
 * of is never found, and the answer about it is the same as about one that does not
 * exist: a phrase must not tell whether someone else's project has that name.
 */
import type { AuthMeta } from "../../../libs/contracts";
import type { Db } from "../../../libs/db";
import { MEMBERS, PROJECTS } from "../project-store";
import type { QuickAddParse } from "./types";

export interface ResolvedParse extends Omit<QuickAddParse, "project"> {
  /** Who an @name may mean: the project's members, or the caller alone for a private task. */
  memberIds: string[];
}

async function projectNamed(db: Db, userId: string, name: string): Promise<{ id: string; owned: boolean }[]> {
  const rows: { id: string; role: string }[] = await db(`${PROJECTS} as p`)
    .join(`${MEMBERS} as m`, "m.project_id", "p.id")
    .where("m.user_id", userId)
    .whereRaw("lower(p.name) = lower(?)", [name])
    .select("p.id", "m.role")
    .orderBy("p.id")
    .limit(20);
  return rows.map((r) => ({ id: r.id, owned: r.role === "owner" }));
}

/**
 * Resolves the +Project of a parse (unless `projectId` is given: explicit fields win) and
 * lists who the @name may be. An unresolved name stays out of the title and leaves an
 * ambiguity saying so.
 */
export async function resolveProject(db: Db, auth: AuthMeta, parse: QuickAddParse, projectId?: string | null): Promise<ResolvedParse> {
  const { project, ...rest } = parse;
  const out: ResolvedParse = { ...rest, fields: { ...rest.fields }, spans: [...rest.spans], ambiguities: [...rest.ambiguities], memberIds: [auth.userId] };
  const drop = (field: string) => (out.spans = out.spans.filter((s) => s.field !== field));
  let chosen = projectId ?? undefined;
  if (project && projectId !== undefined) {
    out.ambiguities.push(`"+${project.name}" ignored: the request names its project`);
    drop("projectId");
  } else if (project) {
    const found = await projectNamed(db, auth.userId, project.name);
    const owned = found.filter((p) => p.owned);
    const pick = found.length === 1 ? found[0] : owned.length === 1 ? owned[0] : undefined;
    if (pick) chosen = out.fields.projectId = pick.id;
    else {
      drop("projectId");
      out.ambiguities.push(found.length ? `several of your projects are called "${project.name}": none was chosen` : `none of your projects is called "${project.name}"`);
    }
  }
  if (chosen) {
    const rows: { user_id: string }[] = await db(MEMBERS).where({ project_id: chosen }).whereExists(
      db(MEMBERS).where({ project_id: chosen, user_id: auth.userId }).select(db.raw("1")),
    ).select("user_id");
    out.memberIds = rows.map((r) => r.user_id);
  }
  return out;
}
