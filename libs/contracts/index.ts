export * from "./auth";
export * from "./events";
export * from "./tasks";
export * from "./users";
export * from "./reminders";
export * from "./time";
export * from "./notifications";
export * from "./projects";
