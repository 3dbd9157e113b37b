// Entry point of the registrar container, run once per deploy: applies the
// rendered connectors (REGISTRAR_CONNECTORS_FILE) to Kafka Connect (CONNECT_URL),
// exits 0 when every connector runs, non-zero with the failing trace otherwise.
import { runRegistrar } from "./registrar.js";

const code = await runRegistrar(process.env, {
  log: (l) => console.log(l),
  error: (l) => console.error(l),
});
process.exit(code);
