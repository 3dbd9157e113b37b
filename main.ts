import { App, TerraformStack } from "cdktf";
import { DockerProvider } from "@cdktf/provider-docker/lib/provider/index.js";
import { Network } from "@cdktf/provider-docker/lib/network/index.js";
const app = new App();
const s = new TerraformStack(app, "probe");
new DockerProvider(s, "docker", {});
new Network(s, "net", { name: "probe" });
app.synth();
