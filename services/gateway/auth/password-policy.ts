import type { ZxcvbnFactory } from "@zxcvbn-ts/core";
import type { FieldError } from "../../../libs/errors";

/**
 * zxcvbn's score runs 0-4; 3 means "safely unguessable: moderate protection from offline
 * slow-hash scenario" (about 10^8 guesses and up), which with scrypt at the rate limits is
 * years of guessing. NIST SP 800-63B asks for a blocklist of common and guessable
 * passwords, not composition rules: the dictionaries are that blocklist.
 */
export const MIN_PASSWORD_SCORE = 3;
export const MIN_PASSWORD_LENGTH = 10;

let factory: Promise<ZxcvbnFactory> | undefined;
/**
 * Loaded on first use: the dictionaries take seconds of CPU to load and index, which at
 * import time would stall every process's boot, and most never check a password.
 */
function zxcvbn(): Promise<ZxcvbnFactory> {
  factory ??= Promise.all([import("@zxcvbn-ts/core"), import("@zxcvbn-ts/language-common"), import("@zxcvbn-ts/language-en")]).then(
    ([{ ZxcvbnFactory }, common, en]) =>
      new ZxcvbnFactory({ translations: en.translations, graphs: common.adjacencyGraphs, dictionary: { ...common.dictionary, ...en.dictionary } }),
  );
  return factory;
}

/**
 * Why `password` is too weak for this account, as field errors at `path` (none when it is
 * fine). The account's own email and name count as guessable words.
 */
export async function passwordProblems(password: string, userInputs: string[], path = "body.password"): Promise<FieldError[]> {
  if (password.length < MIN_PASSWORD_LENGTH) return [{ path, message: `must be at least ${MIN_PASSWORD_LENGTH} characters` }];
  // zxcvbn's cost grows with length; past 100 characters nothing is guessable anyway.
  const result = (await zxcvbn()).check(password.slice(0, 100), userInputs.flatMap((s) => [s, ...s.split(/[@.\s_-]+/)]).filter((s) => s.length > 2));
  if (result.score >= MIN_PASSWORD_SCORE) return [];
  const why = [result.feedback.warning, ...result.feedback.suggestions].filter((s): s is string => !!s);
  return [{ path, message: `is too easy to guess${why.length ? `: ${why.join(" ")}` : ""}` }];
}
