import type { MessageContent } from "./cloud-api-client";

/**
 * The message carrying a phone verification code: the verification template (body {{1}}
 * the code) when configured, free text otherwise. Text reaches a number only inside the
 * 24 h window Meta opens when the user writes first, so production sets the template.
 */
export function verificationMessage(code: string, template?: { name: string; language: string }): MessageContent {
  if (template) return { type: "template", ...template, parameters: [code] };
  return {
    type: "text",
    body: `Your Todogenie verification code is ${code}. It expires in 10 minutes. If you did not ask for it, ignore this message.`,
  };
}
