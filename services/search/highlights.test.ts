import { highlight, queryWords } from "./highlights";

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
