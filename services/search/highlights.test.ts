import { excerpt, EXCERPT_LENGTH, highlight, highlightsOf, queryWords } from "./highlights";

const marked = (text: string, q: string, typos = false) =>
  highlight(text, queryWords(q), typos).map(([s, e]) => text.slice(s, e));

test("a prefix marks the typed part of each word it starts, end exclusive", () => {
  expect(highlight("Project kickoff", ["pro"], false)).toEqual([[0, 3]]);
  expect(marked("Project kickoff, prepare proposal", "pro k")).toEqual(["Pro", "k", "pro"]);
  expect(marked("Landing page", "landing pa")).toEqual(["Landing", "pa"]);
});

test("the longest matching query word wins; words inside a word do not match", () => {
  expect(marked("Landing", "l landi")).toEqual(["Landi"]);
  expect(marked("island", "land")).toEqual([]);
});

test("typos mark the whole word, only when asked for and from four letters", () => {
  expect(marked("Buy groceries", "grocries", true)).toEqual(["groceries"]);
  expect(marked("Buy groceries", "grocries", false)).toEqual([]);
  expect(marked("Buy gro", "grx", true)).toEqual([]);
});

test("unicode: ranges are JavaScript string indices", () => {
  const text = "Über 🐱 straße İstanbul";
  expect(marked(text, "üb stra")).toEqual(["Üb", "stra"]);
  // "İ" lower-cases to two code units: the whole word is marked.
  expect(marked(text, "i")).toEqual(["İstanbul"]);
});

test("hostile queries mark nothing unexpected", () => {
  expect(marked("100% done_now \\ 'x'", "% _ \\ '")).toEqual([]);
  expect(marked("abc", "a".repeat(500))).toEqual([]);
});

test("comments: the first three that match, oldest first, long ones as an excerpt around the first match", () => {
  const task = { title: "Tent", description: "" } as Parameters<typeof highlightsOf>[0];
  const comments = [
    { id: "a", text: "nothing here" },
    { id: "b", text: "pegs for the tent" },
    { id: "c", text: `${"word ".repeat(60)}pegs again ${"tail ".repeat(60)}` },
    { id: "d", text: "more pegs" },
    { id: "e", text: "even more pegs" },
  ];
  const h = highlightsOf(task, "peg", false, comments);
  expect(h.title).toBeUndefined();
  expect(h.comments!.map((c) => c.commentId)).toEqual(["b", "c", "d"]);
  expect(h.comments![0]).toEqual({ commentId: "b", text: "pegs for the tent", ranges: [[0, 3]] });
  const long = h.comments![1]!;
  expect(long.text.length).toBeLessThanOrEqual(EXCERPT_LENGTH);
  expect(long.text.startsWith("word ")).toBe(true);
  expect(long.ranges.map(([s, e]) => long.text.slice(s, e))).toEqual(["peg"]);
  // Comments never match by typo, even when titles may.
  expect(highlightsOf(task, "pgse", true, comments).comments).toBeUndefined();
});

test("an excerpt never splits a surrogate pair and cuts a range that crosses its end", () => {
  const text = `${"😀".repeat(30)} match ${"x".repeat(300)}`;
  const { text: cut, ranges } = excerpt(text, [[text.indexOf("match"), text.length]]);
  expect(cut.length).toBeLessThanOrEqual(EXCERPT_LENGTH);
  expect(/^[\uDC00-\uDFFF]/.test(cut)).toBe(false);
  expect(cut.slice(ranges[0]![0], ranges[0]![1]).startsWith("match")).toBe(true);
  expect(ranges[0]![1]).toBe(cut.length);
});
