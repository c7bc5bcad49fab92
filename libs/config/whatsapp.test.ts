import { ConfigError, loadConfig } from "./index";

/** JWT_SECRET set so loadConfig never writes a generated secret to disk. */
const base = { JWT_SECRET: "x".repeat(32) };

describe("config.whatsapp", () => {
  it("defaults: Cloud API base, 80/s, nothing configured", () => {
    const { whatsapp } = loadConfig(base);
    expect(whatsapp).toEqual({
      apiUrl: "https://graph.facebook.com/v21.0",
      sender: undefined,
      appSecret: undefined,
      verifyToken: undefined,
      template: undefined,
      ratePerSecond: 80,
      sendsPerUserPerDay: 50,
    });
  });

  it("reads every field; the template splits into name and language", () => {
    const { whatsapp } = loadConfig({
      ...base,
      WHATSAPP_API_URL: "http://127.0.0.1:9999/v21.0/",
      WHATSAPP_TOKEN: " tok ",
      WHATSAPP_PHONE_NUMBER_ID: "1234567890",
      WHATSAPP_APP_SECRET: "app-secret",
      WHATSAPP_VERIFY_TOKEN: "verify-me",
      WHATSAPP_TEMPLATE: "task_reminder:pt_BR",
      WHATSAPP_RATE_PER_SECOND: "20",
      WHATSAPP_SENDS_PER_USER_PER_DAY: "5",
    });
    expect(whatsapp).toEqual({
      apiUrl: "http://127.0.0.1:9999/v21.0",
      sender: { token: "tok", phoneNumberId: "1234567890" },
      appSecret: "app-secret",
      verifyToken: "verify-me",
      template: { name: "task_reminder", language: "pt_BR" },
      ratePerSecond: 20,
      sendsPerUserPerDay: 5,
    });
  });

  it("per-user caps: 20 streams, 30 tickets a minute by default, each configurable", () => {
    expect(loadConfig(base)).toMatchObject({ streamsPerUser: 20, streamTicketsPerMinute: 30 });
    expect(loadConfig({ ...base, STREAMS_PER_USER: "3", STREAM_TICKETS_PER_MINUTE: "4" })).toMatchObject({ streamsPerUser: 3, streamTicketsPerMinute: 4 });
  });

  it("empty values count as unset", () => {
    const { whatsapp } = loadConfig({ ...base, WHATSAPP_API_URL: "", WHATSAPP_TOKEN: " ", WHATSAPP_PHONE_NUMBER_ID: "" });
    expect(whatsapp.apiUrl).toBe("https://graph.facebook.com/v21.0");
    expect(whatsapp.sender).toBeUndefined();
  });

  it.each([
    [{ WHATSAPP_TOKEN: "tok" }, "WHATSAPP_TOKEN and WHATSAPP_PHONE_NUMBER_ID go together"],
    [{ WHATSAPP_PHONE_NUMBER_ID: "123" }, "WHATSAPP_TOKEN and WHATSAPP_PHONE_NUMBER_ID go together"],
    [{ WHATSAPP_TOKEN: "tok", WHATSAPP_PHONE_NUMBER_ID: "12/../34" }, "WHATSAPP_PHONE_NUMBER_ID: must be digits only"],
    [{ WHATSAPP_TEMPLATE: "task_reminder" }, "WHATSAPP_TEMPLATE: must be name:language"],
    [{ WHATSAPP_TEMPLATE: "Task Reminder:en" }, "WHATSAPP_TEMPLATE: must be name:language"],
    [{ WHATSAPP_API_URL: "ftp://example.com" }, "WHATSAPP_API_URL: must be an http(s) URL"],
    [{ WHATSAPP_RATE_PER_SECOND: "0" }, "WHATSAPP_RATE_PER_SECOND"],
    [{ WHATSAPP_RATE_PER_SECOND: "fast" }, "WHATSAPP_RATE_PER_SECOND"],
    [{ WHATSAPP_SENDS_PER_USER_PER_DAY: "0" }, "WHATSAPP_SENDS_PER_USER_PER_DAY"],
    [{ STREAMS_PER_USER: "0" }, "STREAMS_PER_USER"],
    [{ STREAM_TICKETS_PER_MINUTE: "many" }, "STREAM_TICKETS_PER_MINUTE"],
  ])("rejects %j", (env, message) => {
    expect(() => loadConfig({ ...base, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, ...env })).toThrow(message);
  });
});
