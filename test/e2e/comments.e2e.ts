import { expectProblem, pollUntil, share } from "../support/api";
import { useStackWithUsers } from "../support/stack";

const fx = useStackWithUsers(4);

test("comments: readers (viewers too) comment, mentions notify members, authors edit with If-Match, owners delete any", async () => {
  const { api, users: [owner, editor, viewer, outsider] } = fx;
  const as = (u: { accessToken: string }, headers: Record<string, string> = {}) => ({ token: u.accessToken, headers });
  await api.patch("/me", { name: "Eddie Editor" }, as(editor));
  const project = (await api.post("/projects", { name: "Club" }, as(owner))).body;
  await share(api, owner, project.id, editor, "editor");
  await share(api, owner, project.id, viewer, "viewer");
  const task = (await api.post("/tasks", { title: "Plan the party", projectId: project.id }, as(owner))).body;

  const posted = await api.post(`/tasks/${task.id}/comments`, { text: `@eddie editor and @${outsider.email}: ideas?` }, as(viewer, { "Idempotency-Key": "c-1" }));
  expect(posted.status).toBe(201);
  expect(posted.headers.get("etag")).toBe('"1"');
  expect(posted.body).toMatchObject({ taskId: task.id, authorId: viewer.user.id, text: `@eddie editor and @${outsider.email}: ideas?`, mentions: [editor.user.id], version: 1 });
  const again = await api.post(`/tasks/${task.id}/comments`, { text: posted.body.text }, as(viewer, { "Idempotency-Key": "c-1" }));
  expect(again.body.id).toBe(posted.body.id);
  const inbox = await pollUntil(
    async () => (await api.get("/notifications", as(editor))).body.items as { kind: string; taskId: string }[],
    (items) => items.some((n) => n.kind === "mention"),
  );
  expect(inbox.filter((n) => n.kind === "mention")).toEqual([expect.objectContaining({ taskId: task.id, title: "Mentioned on: Plan the party" })]);

  expectProblem(await api.post(`/tasks/${task.id}/comments`, { text: "hi" }, as(outsider)), 404);
  expectProblem(await api.post(`/tasks/${task.id}/comments`, { text: "" }, as(owner)), 422);
  expectProblem(await api.post(`/tasks/${task.id}/comments`, { text: "x".repeat(10_001) }, as(owner)), 422);
  expectProblem(await api.post(`/tasks/${task.id}/comments`, { text: "hi", authorId: owner.user.id }, as(owner)), 422);

  const id = posted.body.id;
  expectProblem(await api.patch(`/comments/${id}`, { text: "mine now" }, as(editor)), 403);
  expectProblem(await api.patch(`/comments/${id}`, { text: "edited" }, as(viewer, { "If-Match": '"7"' })), 412);
  const edited = await api.patch(`/comments/${id}`, { text: "edited" }, as(viewer, { "If-Match": '"1"' }));
  expect(edited.status).toBe(200);
  expect(edited.body).toMatchObject({ text: "edited", version: 2, mentions: [] });
  expectProblem(await api.patch(`/comments/${id}`, { text: "x" }, as(outsider)), 404);

  const second = (await api.post(`/tasks/${task.id}/comments`, { text: "second" }, as(editor))).body;
  const first = await api.get(`/tasks/${task.id}/comments?limit=1`, as(viewer));
  const next = await api.get(`/tasks/${task.id}/comments?limit=1&cursor=${first.body.nextCursor}`, as(viewer));
  expect([...first.body.items, ...next.body.items].map((c: { id: string }) => c.id)).toEqual([id, second.id]);
  expect(next.body.items[0].authorName).toBe("Eddie Editor");
  expectProblem(await api.get(`/tasks/${task.id}/comments`, as(outsider)), 404);

  expectProblem(await api.delete(`/comments/${second.id}`, as(viewer)), 403);
  expect((await api.delete(`/comments/${second.id}`, as(owner))).status).toBe(204);
  expect((await api.delete(`/comments/${id}`, as(viewer))).status).toBe(204);
  expect((await api.get(`/tasks/${task.id}/comments`, as(owner))).body.items).toEqual([]);
  const history = (await api.get(`/tasks/${task.id}/history`, as(owner))).body.items.map((i: { action: string }) => i.action);
  expect(history).toEqual(["comment.deleted", "comment.deleted", "commented", "comment.edited", "commented", "created"]);
});

test("comment text is searchable by the task's readers only: edits and deletes change what is found, hits highlight the comment", async () => {
  const { api, users: [owner, , viewer, outsider] } = fx;
  const as = (u: { accessToken: string }) => ({ token: u.accessToken });
  const project = (await api.post("/projects", { name: "Search club" }, as(owner))).body;
  await share(api, owner, project.id, viewer, "viewer");
  const task = (await api.post("/tasks", { title: "Venue", projectId: project.id }, as(owner))).body;
  const plain = (await api.post("/tasks", { title: "Chairs", projectId: project.id }, as(owner))).body;
  type Hit = { id: string; highlights: { title?: unknown; comments?: { commentId: string; text: string; ranges: [number, number][] }[] } };
  const search = async (u: { accessToken: string }, q: string): Promise<Hit[]> => {
    const res = await api.get(`/tasks?q=${encodeURIComponent(q)}`, as(u));
    expect(res.status).toBe(200);
    return res.body.items;
  };
  const found = (u: { accessToken: string }, q: string, ids: string[]) =>
    pollUntil(
      async () => (await search(u, q)).map((h) => h.id).sort(),
      (got) => JSON.stringify(got) === JSON.stringify([...ids].sort()),
    );

  const comment = (await api.post(`/tasks/${task.id}/comments`, { text: "The marquee needs pegs" }, as(viewer))).body;
  expect(await found(owner, "marquee", [task.id])).toEqual([task.id]);
  // From the first letter, among the caller's own words.
  expect(await found(viewer, "marq", [task.id])).toEqual([task.id]);
  const [hit] = await search(viewer, "marq");
  expect(hit!.highlights).toEqual({ comments: [{ commentId: comment.id, text: "The marquee needs pegs", ranges: [[4, 8]] }] });
  expect(await search(outsider, "marquee")).toEqual([]);

  await api.patch(`/comments/${comment.id}`, { text: "The gazebo needs pegs" }, as(viewer));
  expect(await found(owner, "gazebo", [task.id])).toEqual([task.id]);
  expect(await search(owner, "marquee")).toEqual([]);
  // Another comment on another task, then the first is deleted: its words leave, the other's stay.
  await api.post(`/tasks/${plain.id}/comments`, { text: "gazebo chairs too" }, as(owner));
  expect(await found(owner, "gazebo", [task.id, plain.id])).toEqual([task.id, plain.id].sort());
  expect((await api.delete(`/comments/${comment.id}`, as(viewer))).status).toBe(204);
  expect(await found(owner, "gazebo", [plain.id])).toEqual([plain.id]);
  // A task moved out of the project takes its comments with it: the viewer no longer finds it.
  await api.patch(`/tasks/${plain.id}`, { projectId: null }, as(owner));
  expect(await found(viewer, "gazebo", [])).toEqual([]);
  expect(await search(owner, "gazebo")).toEqual([expect.objectContaining({ id: plain.id })]);
});
