import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { App, LocalBackend } from "cdktf";
import { ConfigValidationError } from "./connector-configs/schemas/errors.js";
import { prepareStateDir, readDotEnv, writeSecretVariables } from "./stacks/deploy-files.js";
import { loadPipelineInputs } from "./stacks/inputs.js";
import { PipelineStack } from "./stacks/pipeline-stack.js";

const STACK = "meter-master";
const projectRoot = fileURLToPath(new URL(".", import.meta.url));

// Nothing is synthesized, so nothing is deployed, from an invalid config.
let inputs: Awaited<ReturnType<typeof loadPipelineInputs>>;
try {
  inputs = await loadPipelineInputs();
} catch (e) {
  if (e instanceof ConfigValidationError) {
    console.error(e.message);
    process.exit(1);
  }
  throw e;
}

const app = new App();
const stack = new PipelineStack(app, STACK, inputs);
new LocalBackend(stack, { path: prepareStateDir(projectRoot, STACK) });
app.synth();

// Plain `cdktf deploy` runs Terraform in the stack's folder with the shell's environment only:
// hand it the secrets from .env there, so no wrapper is needed.
const secrets = writeSecretVariables(join(app.outdir, "stacks", STACK), stack.secrets.names(), {
  env: process.env,
  dotEnv: readDotEnv(projectRoot),
});
if (secrets.missing.length > 0) {
  console.error(`Missing secret(s) ${secrets.missing.join(", ")}: run \`npm run secrets:init\` (it adds them to .env), then deploy again.`);
}
