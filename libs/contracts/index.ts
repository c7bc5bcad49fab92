export * from "./auth";
export * from "./events";
export * from "./tasks";
export * from "./users";
export * from "./task-list-query";
