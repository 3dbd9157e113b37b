import { App } from "cdktf";
import { ConfigValidationError } from "./connector-configs/schemas/errors.js";
import { loadPipelineInputs } from "./stacks/inputs.js";
import { PipelineStack } from "./stacks/pipeline-stack.js";

// Nothing is synthesized, so nothing is deployed, from an invalid config.
let inputs;
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
new PipelineStack(app, "meter-master", inputs);
app.synth();
