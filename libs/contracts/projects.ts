import { z } from "zod";
import { email } from "./users";
import { instant } from "./time";

export const MEMBER_ROLES = ["editor", "viewer"] as const;

export const projectInput = z.strictObject({ name: z.string().trim().min(1).max(200) }).meta({ id: "ProjectInput" });
export type ProjectInput = z.output<typeof projectInput>;

export const addMemberInput = z.strictObject({ email, role: z.enum(MEMBER_ROLES) }).meta({ id: "AddMember" });
export const changeMemberInput = z.strictObject({ role: z.enum(MEMBER_ROLES) }).meta({ id: "ChangeMember" });

export const projectSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    ownerId: z.uuid(),
    role: z.enum(["owner", "editor", "viewer"]).meta({ description: "the caller's role" }),
    createdAt: instant,
    updatedAt: instant,
  })
  .meta({ id: "Project" });
export type ProjectDto = z.infer<typeof projectSchema>;

export const memberSchema = z
  .object({ userId: z.uuid(), email: z.string(), name: z.string(), role: z.enum(["owner", "editor", "viewer"]) })
  .meta({ id: "Member" });
export type MemberDto = z.infer<typeof memberSchema>;
