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
    });
    expect(whatsapp).toEqual({
      apiUrl: "http://127.0.0.1:9999/v21.0",
      sender: { token: "tok", phoneNumberId: "1234567890" },
      appSecret: "app-secret",
      verifyToken: "verify-me",
      template: { name: "task_reminder", language: "pt_BR" },
      ratePerSecond: 20,
    });
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
  ])("rejects %j", (env, message) => {
    expect(() => loadConfig({ ...base, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ ...base, ...env })).toThrow(message);
  });
});
