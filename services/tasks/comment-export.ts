import type { AuthMeta, StoredCommentDto } from "../../libs/contracts";
import type { Db } from "../../libs/db";
import { COMMENTS, CommentRow, toDto } from "./comments";
import { TASKS } from "./task-row";

/**
 * For an export (GET /me/export): the comments on the caller's own tasks and those they wrote
 * anywhere, in seq order, a page at a time after `after` (the last page's last seq). Each page
 * is an index range, so the gateway streams an account of any size in constant memory.
 */
export async function exportComments(db: Db, auth: AuthMeta, after: string | undefined, limit: number): Promise<{ items: StoredCommentDto[]; next: string | null }> {
  const n = limit + 1;
  const since = after ?? "0";
  // Two index ranges (comments_author_idx; tasks by owner, then comments_task_idx), each bounded by the keyset and the page.
  const { rows }: { rows: CommentRow[] } = await db.raw(
    `select * from (
       (select c.* from ${COMMENTS} c where c.author_id = ? and c.seq > ? order by c.seq limit ?)
       union
       (select c.* from ${COMMENTS} c join ${TASKS} t on t.id = c.task_id where t.owner_id = ? and c.seq > ? order by c.seq limit ?)
     ) page order by seq limit ?`,
    [auth.userId, since, n, auth.userId, since, n, n],
  );
  const page = rows.slice(0, limit);
  return { items: page.map(toDto), next: rows.length > limit ? String(page[page.length - 1]!.seq) : null };
}
