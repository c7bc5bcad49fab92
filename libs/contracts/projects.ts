import { z } from "zod";
import { PROJECT_ROLES } from "../authz";
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

export const invitationIdParams = z.strictObject({ id: z.uuid(), invitationId: z.uuid() });

/** What the invitee sees: never the email, so a forwarded list leaks nobody's address. */
export const myInvitationSchema = z
  .object({
    id: z.uuid(),
    projectId: z.uuid(),
    projectName: z.string(),
    role: z.enum(MEMBER_ROLES),
    invitedBy: z.object({ name: z.string() }),
    createdAt: instant,
  })
  .meta({ id: "Invitation" });
export type MyInvitationDto = z.infer<typeof myInvitationSchema>;

/** What the project's owner sees of a pending invitation. */
export const projectInvitationSchema = z
  .object({ id: z.uuid(), email: z.string(), role: z.enum(MEMBER_ROLES), createdAt: instant })
  .meta({ id: "ProjectInvitation" });
export type ProjectInvitationDto = z.infer<typeof projectInvitationSchema>;

export const invitedSchema = z.object({ invitationId: z.uuid() }).meta({ id: "Invited" });

export const membershipSchema = z
  .object({ projectId: z.uuid(), userId: z.uuid(), role: z.enum(MEMBER_ROLES) })
  .meta({ id: "Membership" });
export type MembershipDto = z.infer<typeof membershipSchema>;

export const INVITATION_CREATED_CHANNEL = "invitation.created";

/**
 * An invitation to a known account, published from the tasks outbox so that it reaches the
 * invitee's inbox even when notify is down at the time. `key` is the invitation's id.
 */
export const invitationCreatedEventSchema = z.object({
  key: z.string().min(1),
  invitationId: z.uuid(),
  projectId: z.uuid(),
  projectName: z.string(),
  role: z.enum(MEMBER_ROLES),
  recipientId: z.uuid(),
  invitedById: z.uuid(),
  createdAt: instant,
});
export type InvitationCreatedEvent = z.infer<typeof invitationCreatedEventSchema>;

export const PROJECT_MEMBERSHIP_CHANNEL = "project.membership";

/**
 * One user's membership of one project as it is after a change, published from the tasks
 * outbox in the change's transaction, so notify can check recipients without calling tasks.
 * `role` null: no longer a member. `version` comes from one sequence for every membership
 * change, so a consumer keeps the highest it saw, whatever order they arrive in, and a late
 * grant cannot undo a later removal.
 */
export const projectMembershipEventSchema = z.object({
  key: z.string().min(1),
  projectId: z.uuid(),
  userId: z.uuid(),
  role: z.enum(PROJECT_ROLES).nullable(),
  version: z.int().min(1),
});
export type ProjectMembershipEvent = z.infer<typeof projectMembershipEventSchema>;
