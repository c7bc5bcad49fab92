/** The quick-add grammar as the OpenAPI document (POST /tasks/parse) tells it; the README shows the same. */
export const QUICK_ADD_GRAMMAR = `Reads a phrase the way POST /tasks with \`quickAdd\` does and answers \`{fields, spans, ambiguities}\`:
the task fields, the characters each came from (\`text.slice(start, end)\`, UTF-16 units), and what was unclear or left
out, in words. Nothing is created. Times are read in the caller's time zone (\`PATCH /me\`), at the server's now.

What a phrase may hold (English; German in brackets), in any order; what is left over is the title:

- **Tags**: \`#home\`, \`#work/admin\` (letters, digits, _ - /; lower-cased).
- **Priority**: \`!urgent\` \`!high\` \`!medium\` \`!low\` \`!none\` (\`!dringend\` \`!hoch\` \`!mittel\` \`!niedrig\` \`!keine\`);
  \`!1\`..\`!4\` or Todoist's \`p1\`..\`p4\`: 1 = urgent, 2 = high, 3 = medium, 4 = low.
- **Project**: \`+Errands\`, \`+Big_Project\` (underscores read as spaces) or \`+"Big Project"\`: a project the caller is a member
  of, by name, case aside. One the caller cannot see is never found, and the answer is then the same as for a name no
  project has ("none of your projects is called ...").
- **Assignee**: \`@ada\`, \`@"Ada Lovelace"\`: a member of the task's project (of a private task: only the caller), by full
  name, else first name, else the local part of the email, case aside; nobody when no one or several fit.
- **Due date and time** (chrono-node): "tomorrow 5pm", "next fri", "in 3 days", "on 3 March", "today at 17:00", "end of
  month" ("morgen 17 Uhr", "nächsten Freitag", "in 3 Tagen", "am 3. März", "Ende des Monats"). A date without a time is
  due at 09:00; a time alone is the next such time. "next fri" is the Friday of next week (an ambiguity says so when the
  coming Friday is nearer). Only the first date is used; another one stays in the title, with an ambiguity.
- **Repetition** (a \`recurrence\` with an RRULE, the caller's zone, its first occurrence as \`dueAt\`):
  "every day", "every 3 days", "daily", "every morning" (09:00; afternoon 12:00, evening 19:00, night 22:00), "every
  weekday", "every weekend" (Saturdays: one task a weekend, as Todoist reads it), "every mon, wed and fri", "every other
  week", "every 2 weeks on monday", "every 3rd friday", "every 2nd and 4th tuesday", "every last friday", "every last day
  of the month", "every last weekday of the month", "every 15th workday", "every month on the 15th", "every 15th",
  "every year on 3 March", "every March 3". "every second wednesday" is the month's second (an ambiguity says so;
  "every other wednesday" is every two weeks). A repetition by hours or minutes is not a task's: it stays in the title.
  Todoist's "every!" counts from the completion
  ("jeden Tag", "täglich", "jeden Abend", "jeden Werktag", "alle 2 Wochen", "jede zweite Woche", "jeden Dienstag",
  "montags und donnerstags", "jeden 3. Freitag", "jeden zweiten Dienstag" (every other week; "im Monat": the month's second),
  "jeden letzten Tag des Monats", "jeden Monat am 15.", "jedes Jahr am 3. März"), with a time ("at 9am") and these
  endings: "after completion" ("nach Erledigung": the next one counts from the completion), "5 times" ("5 mal"),
  "until 30 June" ("bis 30. Juni": the last day it may fall on; "until June" alone means up to the start of June, said
  in an ambiguity), "starting next monday" ("ab nächsten Montag"). Without a date the series starts with the next time
  the rule gives (today's, or a later one once today's time has passed).
- **Reminders**: "remind me 30 min before" (h, hours, days, weeks too; "erinnere mich 30 min vorher") as an offset from
  the due time; "remind at 8am" ("erinnere mich um 8 Uhr") as an offset to that time on the due day (the day before when
  it is later than the due time), so it follows a repeating task; without a due date it is the next 8:00.

\`locale\` picks the language (default: Accept-Language's first of en/de, else en). The text is at most 1000 characters.`;
