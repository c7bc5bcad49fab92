import { rulesToAST } from "@casl/ability/extra";
import { ForbiddenError } from "../errors";
import type { Action, AppAbility, SubjectType } from "./index";

/** Which attribute of a search document answers for each field a rule may name. */
export type AttributeMap = Record<string, string>;

type Node = { operator: string; field?: string; value: unknown };

/** A string or number as a filter literal: strings double-quoted with `\` and `"` escaped. */
export function filterLiteral(value: unknown): string {
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return `"${String(value).replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

/** A rule without conditions allows every document: the empty expression. */
const EVERYTHING = "";
/** No attribute ever equals this: the expression that allows nothing. */
const NOTHING = `(id = "")`;

function toExpression(node: Node, attributes: AttributeMap): string {
  const children = () => (Array.isArray(node.value) ? (node.value as Node[]) : [node.value as Node]);
  switch (node.operator) {
    case "and": {
      const parts = children().map((c) => toExpression(c, attributes)).filter((e) => e !== EVERYTHING);
      return parts.length ? `(${parts.join(" AND ")})` : EVERYTHING;
    }
    case "or": {
      const parts = children().map((c) => toExpression(c, attributes));
      if (parts.length === 0) return NOTHING;
      return parts.includes(EVERYTHING) ? EVERYTHING : `(${parts.join(" OR ")})`;
    }
    case "not": {
      const inner = toExpression({ operator: "and", value: children() }, attributes);
      return inner === EVERYTHING ? NOTHING : `(NOT ${inner})`;
    }
  }
  const attribute = node.field ? attributes[node.field] : undefined;
  if (!attribute) throw new Error(`authz: no search attribute for rule field "${node.field}"`);
  switch (node.operator) {
    case "eq":
      return node.value === null ? `${attribute} IS NULL` : `${attribute} = ${filterLiteral(node.value)}`;
    case "ne":
      return node.value === null ? `${attribute} IS NOT NULL` : `${attribute} != ${filterLiteral(node.value)}`;
    case "in":
      return `${attribute} IN [${(node.value as unknown[]).map(filterLiteral).join(", ")}]`;
    case "nin":
      return `${attribute} NOT IN [${(node.value as unknown[]).map(filterLiteral).join(", ")}]`;
    default:
      throw new Error(`authz: operator "${node.operator}" has no filter translation`);
  }
}

/**
 * The caller's rules as a Meilisearch filter expression, the twin of `rulesToSql`: what they
 * may not see is excluded by the engine, before ranking and paging. Empty: no constraint.
 * No rule at all: ForbiddenError.
 */
export function rulesToFilter(ability: AppAbility, action: Action, subjectType: Exclude<SubjectType, "all">, attributes: AttributeMap): string {
  const ast = rulesToAST(ability, action, subjectType);
  if (ast === null) throw new ForbiddenError(`not allowed to ${action} ${subjectType}`);
  return toExpression(ast as Node, attributes);
}
