import { z } from "zod";
import { AuthMeta, commentInput, commentSchema, CommentDto, StoredCommentDto } from "../../../libs/contracts";
import { IDEMPOTENCY_HEADER, idempotencyKeyOf } from "../http/idempotency";
import { idParams, pageQuery, route, RouteDef } from "../http/route";
import { callAs, GatewayContext } from "./context";
import { problemResponse, problemResponses } from "./problems";
import { parseIfMatch } from "./tasks.routes";

const tag = "comments";
const etag = (c: { version: number }) => ({ ETag: `"${c.version}"` });

/** "@Name" or "@email" of a person, not followed by more of a word ("@Ann" is not "@Anna"). */
export function mentionedIn(text: string, people: { id: string; name: string; email: string }[]): string[] {
  const lower = text.toLowerCase();
  const names = (handle: string) => {
    const needle = `@${handle.toLowerCase()}`;
    for (let i = lower.indexOf(needle); i >= 0; i = lower.indexOf(needle, i + 1)) {
      if (!/[\p{L}\p{N}._-]/u.test(lower[i + needle.length] ?? "")) return true;
    }
    return false;
  };
  return people.filter((p) => (p.name.trim() && names(p.name.trim())) || names(p.email)).map((p) => p.id);
}

/** The task's readers the text mentions: its project's members, or its owner for a private task. */
async function mentions(ctx: GatewayContext, auth: AuthMeta, taskId: string, text: string): Promise<string[]> {
  const task = await callAs(ctx, auth, "tasks.get", { id: taskId });
  const ids = task.projectId ? (await callAs(ctx, auth, "projects.members", { id: task.projectId })).items.map((m) => m.userId) : [task.ownerId];
  const people = await ctx.users.findByIds(ids);
  return mentionedIn(text, people.map((u) => ({ id: u.id, name: u.name ?? "", email: u.email })));
}

async function withAuthors(ctx: GatewayContext, comments: StoredCommentDto[]): Promise<CommentDto[]> {
  const people = new Map((await ctx.users.findByIds([...new Set(comments.map((c) => c.authorId))])).map((u) => [u.id, u.name ?? ""]));
  return comments.map((c) => ({ ...c, authorName: people.get(c.authorId) ?? "" }));
}

/** Comments (issue 17): on any task the caller can read (viewers too); authors edit theirs; authors and project owners delete. */
export function commentRoutes(ctx: GatewayContext): RouteDef[] {
  return [
    route({
      method: "get", path: "/tasks/:id/comments", tag, auth: true,
      summary: "A task's comments, oldest first",
      params: idParams,
      query: pageQuery,
      responses: { 200: { description: "A page of comments", schema: z.object({ items: z.array(commentSchema), nextCursor: z.string().nullable() }) }, ...problemResponses(401, 404, 422) },
      handle: async ({ auth, params, query }) => {
        const page = await callAs(ctx, auth, "tasks.comments", { id: params.id, limit: query.limit, cursor: query.cursor });
        return { status: 200, body: { items: await withAuthors(ctx, page.items), nextCursor: page.nextCursor } };
      },
    }),
    route({
      method: "post", path: "/tasks/:id/comments", tag, auth: true,
      summary: "Comment on a task the caller can read (viewers too); members named @Name or @email are notified (kind: mention)",
      params: idParams,
      body: commentInput,
      headers: [IDEMPOTENCY_HEADER],
      responses: { 201: { description: "The comment", schema: commentSchema }, ...problemResponses(401, 404, 422) },
      handle: async ({ auth, params, body, header }) => {
        const stored = await callAs(ctx, auth, "tasks.addComment", {
          id: params.id,
          text: body.text,
          mentions: await mentions(ctx, auth, params.id, body.text),
          idempotencyKey: idempotencyKeyOf(header),
        });
        const [comment] = await withAuthors(ctx, [stored]);
        return { status: 201, body: comment, headers: etag(stored) };
      },
    }),
    route({
      method: "patch", path: "/comments/:id", tag, auth: true,
      summary: "Edit a comment (its author only); newly mentioned members are notified",
      params: idParams,
      body: commentInput,
      headers: [{ name: "If-Match", description: 'The comment version the edit is based on ("3"); 412 if it moved on' }],
      responses: {
        200: { description: "The comment", schema: commentSchema },
        ...problemResponses(401, 404, 412, 422),
        ...problemResponse(403, "Not the comment's author"),
      },
      handle: async ({ auth, params, body, header }) => {
        const expectedVersion = parseIfMatch(header("if-match"));
        const { taskId } = await callAs(ctx, auth, "tasks.commentTask", { id: params.id });
        const stored = await callAs(ctx, auth, "tasks.editComment", { id: params.id, text: body.text, mentions: await mentions(ctx, auth, taskId, body.text), expectedVersion });
        const [comment] = await withAuthors(ctx, [stored]);
        return { status: 200, body: comment, headers: etag(stored) };
      },
    }),
    route({
      method: "delete", path: "/comments/:id", tag, auth: true,
      summary: "Delete a comment: its author, or the owner of the task's project",
      params: idParams,
      responses: { 204: { description: "Deleted" }, ...problemResponses(401, 404, 422), ...problemResponse(403, "Neither the author nor the project's owner") },
      handle: async ({ auth, params }) => {
        await callAs(ctx, auth, "tasks.removeComment", { id: params.id });
        return { status: 204 };
      },
    }),
  ];
}
