/**
 * The bus is a trust boundary: a process on the same NATS namespace that does not hold BUS_SECRET
 * cannot act as a user, whatever identity it writes into `meta`. Distributed mode only: embedded
 * has no bus outside its process.
 */
import { ServiceBroker } from "moleculer";
import { authMetaFor } from "../../libs/authz";
import { callAs } from "../../libs/broker/bus";
import { bindBusIdentity, busIdentity } from "../../libs/broker/identity";
import { Api, TestUser } from "../support/api";
import { NATS_URL, RunningStack, startWithUsers, TEST_BUS_SECRET } from "../support/stack";

const distributedOnly = process.env.E2E_MODE === "distributed" ? describe : describe.skip;

distributedOnly("a rogue process on the bus", () => {
  let stack: RunningStack;
  let api: Api;
  let alice: TestUser;
  let rogue: ServiceBroker;
  let taskId: string;

  beforeAll(async () => {
    ({ stack, api, users: [alice] } = await startWithUsers(1));
    const created = await api.post("/tasks", { title: "Alice's secret plan" }, { token: alice.accessToken });
    expect(created.status).toBe(201);
    taskId = created.body.id;
    // What anyone who can reach NATS could run: the same namespace, the same serializer.
    rogue = new ServiceBroker({ namespace: stack.env.NAMESPACE, transporter: NATS_URL, serializer: "JSON", logger: false, requestTimeout: 10_000 });
    await rogue.start();
    await rogue.waitForServices(["tasks"], 10_000);
  }, 90_000);
  afterAll(async () => {
    await rogue?.stop();
    await stack?.stop();
  }, 30_000);

  const asAlice = () => authMetaFor({ id: alice.user.id, roles: alice.user.roles ?? ["member"] }, []);
  const forgedAdmin = () => ({ userId: alice.user.id, roles: ["admin"], rules: [["manage", "all"]] });

  test.each([
    ["an unsigned identity", () => ({ auth: forgedAdmin() })],
    ["an identity with a made-up signature", () => ({ auth: forgedAdmin(), authSig: `${Date.now() + 60_000}.${"A".repeat(43)}` })],
    ["an identity signed with a key of its own", () => ({ auth: asAlice(), authSig: busIdentity("a-rogue-key-that-is-long-enough-0123456789").sign(asAlice()) })],
  ])("calling tasks.get with %s gets UNAUTHORIZED", async (_case, meta) => {
    await expect(rogue.call("tasks.get", { id: taskId }, { meta: meta() })).rejects.toMatchObject({ code: 401, type: "UNAUTHORIZED" });
  });

  test("the same call signed with BUS_SECRET is answered: the refusal is the signature's doing", async () => {
    bindBusIdentity(rogue, busIdentity(TEST_BUS_SECRET));
    await expect(callAs(rogue, asAlice(), "tasks.get", { id: taskId })).resolves.toMatchObject({ id: taskId, title: "Alice's secret plan" });
  });
});
