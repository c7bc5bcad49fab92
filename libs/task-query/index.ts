export * from "./cursor";
export * from "./list-sql";
export * from "./sort-columns";
export { afterCursor, type DueMode } from "./keyset";
export * from "./list-indexes";
export * from "./facets";
