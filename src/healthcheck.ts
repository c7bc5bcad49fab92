/**
 * The image's HEALTHCHECK (compose uses it too): exits 0 when this container's process answers
 * ready on its health port, 1 otherwise. It reads HEALTH_PORT alone, so a check never fails on
 * the rest of the configuration.
 */
import { DEFAULT_HEALTH_PORT } from "../libs/config";

const port = Number(process.env.HEALTH_PORT || DEFAULT_HEALTH_PORT);
fetch(`http://127.0.0.1:${port}/health/ready`, { signal: AbortSignal.timeout(4_000) }).then(
  (res) => process.exit(res.ok ? 0 : 1),
  () => process.exit(1),
);
