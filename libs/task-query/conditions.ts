/** A SQL condition, or a constant that folds away. */
export type Cond = boolean | { sql: string; bindings: unknown[] };

export function and(a: Cond, b: Cond): Cond {
  if (a === false || b === false) return false;
  if (a === true) return b;
  if (b === true) return a;
  return { sql: `(${a.sql} and ${b.sql})`, bindings: [...a.bindings, ...b.bindings] };
}

export function or(a: Cond, b: Cond): Cond {
  if (a === true || b === true) return true;
  if (a === false) return b;
  if (b === false) return a;
  return { sql: `(${a.sql} or ${b.sql})`, bindings: [...a.bindings, ...b.bindings] };
}

export function sqlCond(sql: string, ...bindings: unknown[]): Cond {
  return { sql, bindings };
}
