import { rulesToAST } from "@casl/ability/extra";
import type { Knex } from "knex";
import { ForbiddenError } from "../errors";
import type { Action, AppAbility, SubjectType } from "./index";

/** Which SQL column answers for each field a rule may name. */
export type ColumnMap = Record<string, string>;

type Ast = ReturnType<typeof rulesToAST>;
type Node = NonNullable<Ast> & { field?: string; value: unknown };

function applyNode(qb: Knex.QueryBuilder, node: Node, columns: ColumnMap): void {
  const children = () => (Array.isArray(node.value) ? (node.value as Node[]) : [node.value as Node]);
  switch (node.operator) {
    case "and":
      for (const child of children()) qb.andWhere((sub) => applyNode(sub, child, columns));
      return;
    case "or": {
      const list = children();
      if (list.length === 0) qb.whereRaw("false");
      else qb.where((any) => list.forEach((child) => any.orWhere((sub) => applyNode(sub, child, columns))));
      return;
    }
    case "not":
      qb.whereNot((sub) => children().forEach((child) => applyNode(sub, child, columns)));
      return;
  }
  const column = node.field ? columns[node.field] : undefined;
  if (!column) throw new Error(`authz: no SQL column for rule field "${node.field}"`);
  const value = node.value as Knex.Value;
  switch (node.operator) {
    case "eq":
      if (value === null) qb.whereNull(column);
      else qb.where(column, value);
      return;
    case "ne":
      if (value === null) qb.whereNotNull(column);
      else qb.whereNot(column, value);
      return;
    case "in":
      qb.whereIn(column, value as Knex.Value[]);
      return;
    case "nin":
      qb.whereNotIn(column, value as Knex.Value[]);
      return;
    default:
      throw new Error(`authz: operator "${node.operator}" has no SQL translation`);
  }
}

/**
 * Pushes the caller's rules into the query as SQL conditions, so rows they may not see
 * are never read (rather than filtered after the fact). No rule at all: ForbiddenError.
 */
export function rulesToSql(
  qb: Knex.QueryBuilder,
  ability: AppAbility,
  action: Action,
  subjectType: Exclude<SubjectType, "all">,
  columns: ColumnMap,
): Knex.QueryBuilder {
  const ast = rulesToAST(ability, action, subjectType);
  if (ast === null) throw new ForbiddenError(`not allowed to ${action} ${subjectType}`);
  return qb.where((scope) => applyNode(scope, ast as Node, columns));
}

/**
 * The caller's rules as one applier per alternative (the branches of a top-level OR), for
 * queries that read each alternative through its own index, e.g. "my tasks" by owner and
 * "my projects' tasks" by project, rather than one scan filtering both. Branches may
 * overlap; the caller merges them without duplicates. No rule at all: ForbiddenError.
 */
export function rulesToSqlBranches(
  ability: AppAbility,
  action: Action,
  subjectType: Exclude<SubjectType, "all">,
  columns: ColumnMap,
): ((qb: Knex.QueryBuilder) => void)[] {
  const ast = rulesToAST(ability, action, subjectType);
  if (ast === null) throw new ForbiddenError(`not allowed to ${action} ${subjectType}`);
  const node = ast as Node;
  const branches = node.operator === "or" && Array.isArray(node.value) && node.value.length > 0 ? (node.value as Node[]) : [node];
  return branches.map((branch) => (qb) => void qb.where((scope) => applyNode(scope, branch, columns)));
}
