import jwt from "jsonwebtoken";
const t = (id: string) => jwt.sign({ roles: ["member"] }, "bench-secret-that-is-long-enough-for-hs256-0123456789", { algorithm: "HS256", subject: id, issuer: "todogenie", audience: "todogenie-api", expiresIn: 7200 });
async function main() {
  const tok = t(process.argv[2]!);
  for (const path of process.argv.slice(3)) {
    const r = await fetch(`http://127.0.0.1:3000${path}`, { headers: { authorization: `Bearer ${tok}` } });
    console.log(path, r.status, (await r.text()).length);
  }
}
void main();
