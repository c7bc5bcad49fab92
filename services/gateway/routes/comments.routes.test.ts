import { mentionedIn } from "./comments.routes";

const ann = { id: "a", name: "Ann Lee", email: "ann@example.com" };
const anna = { id: "b", name: "Anna", email: "anna@example.com" };
const nameless = { id: "c", name: "", email: "c@example.com" };

test("mentions are @name or @email, case-insensitive, and a name is not a prefix of a longer word", () => {
  expect(mentionedIn("thanks @ann lee!", [ann, anna])).toEqual(["a"]);
  expect(mentionedIn("@Anna, look", [ann, anna])).toEqual(["b"]);
  expect(mentionedIn("cc @ANN@example.com and @c@example.com", [ann, anna, nameless])).toEqual(["a", "c"]);
  expect(mentionedIn("ann@example.com without the at", [ann])).toEqual([]);
  expect(mentionedIn("@ @", [nameless])).toEqual([]);
});
