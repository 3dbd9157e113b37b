import { Container } from "@cdktf/provider-docker/lib/container/index.js";
import type { Image } from "@cdktf/provider-docker/lib/image/index.js";
import { Construct } from "constructs";
import type { SinkAppConfig } from "../../sink-app/src/config.js";
import type { DesiredConnectors } from "../../sink-app/src/connect/desired.js";
import { terraformLiteral } from "../terraform-literal.js";
import { BuiltImage } from "./built-image.js";
import { stackFile } from "./init-files.js";
import type { Secrets } from "./secrets.js";
import { ServiceContainer } from "./service-container.js";

/** Entry points inside the sink-app image (relative to its WORKDIR). */
const ENTRY = {
  healthcheck: "sink-app/dist/healthcheck.js",
  registrar: "sink-app/dist/connect/registrar-main.js",
  demoApi: "sink-app/dist/demo-api/main.js",
} as const;

/** The one image built from sink-app/ that runs the sink-app, the registrar and the demo API receiver. */
export class SinkAppImage extends BuiltImage {
  constructor(scope: Construct, id: string, props: { prefix: string }) {
    super(scope, id, {
      name: `${props.prefix}/sink-app:local`,
      context: stackFile(".."),
      dockerfile: "sink-app/Dockerfile",
      sources: ["sink-app/Dockerfile", "sink-app/package.json", "sink-app/tsconfig.json", "sink-app/build.mjs", "sink-app/src", "package-lock.json"],
    });
  }
}

export interface RegistrarProps {
  readonly prefix: string;
  readonly network: string;
  readonly image: Image;
  readonly connectUrl: string;
  /** Rendered Kafka Connect configs and the owner id marking them: what the registrar applies. */
  readonly connectors: DesiredConnectors;
  /** Secrets it needs, e.g. to drop the replication slot of a removed PostgreSQL connector. */
  readonly secretEnv: string[];
  readonly secrets: Secrets;
  readonly timeoutSeconds: number;
  readonly dependsOn: Container[];
}

/**
 * Exit check of the registrar, run by Terraform on the deploying machine as a create-time
 * local-exec provisioner (`node -e`: Node is there, as cdktf needs it). A failing provisioner
 * fails the deploy with the registrar's log and marks the container tainted, so the next deploy
 * replaces it and registers again: fixing the cause and deploying again is all a user does.
 */
export const REGISTRAR_EXIT_CHECK = [
  "const code = Number(process.env.REGISTRAR_EXIT_CODE);",
  "if (code !== 0) {",
  // A TTY container's log has no stream headers; strip any control bytes left all the same.
  '  const log = (process.env.REGISTRAR_LOG || "").replace(/\\r\\n/g, "\\n").replace(/[\\u0000-\\u0008\\u000b-\\u001f\\u007f\\ufffd]/g, "");',
  '  console.error("The connector registrar failed (exit code " + code + "). Its log:\\n\\n" + log.trimEnd() + "\\n\\nFix the cause and deploy again: the registrar runs again on the next deploy.");',
  "  process.exit(1);",
  "}",
].join("\n");

/**
 * Runs once per change of the connector configs, and again after a failed run: applies them to
 * Kafka Connect (PUT config), waits until every connector and task is RUNNING, and removes
 * connectors the configs no longer declare. A non-zero exit fails the deploy with the
 * registrar's log, instead of hanging.
 */
export class Registrar extends Construct {
  readonly container: Container;

  constructor(scope: Construct, id: string, props: RegistrarProps) {
    super(scope, id);
    const connectorsJson = JSON.stringify(props.connectors, null, 2);
    this.container = new Container(this, "container", {
      name: `${props.prefix}-registrar`,
      image: props.image.imageId,
      command: ["node", ENTRY.registrar],
      env: [
        terraformLiteral(`CONNECT_URL=${props.connectUrl}`),
        "REGISTRAR_CONNECTORS_FILE=/etc/registrar/connectors.json",
        `REGISTRAR_TIMEOUT_SECONDS=${props.timeoutSeconds}`,
        ...props.secretEnv.map((name) => props.secrets.env(name)),
      ],
      networksAdvanced: [{ name: props.network }],
      // The connectors file is part of the container: editing a config replaces it, so deploy re-applies.
      // Its `${env:NAME}` references are Kafka Connect's, not Terraform's: escaped.
      upload: [{ file: "/etc/registrar/connectors.json", content: terraformLiteral(connectorsJson) }],
      attach: true,
      logs: true,
      // Without a TTY, Docker's log stream carries 8-byte frame headers that would show in the log.
      tty: true,
      mustRun: false,
      restart: "no",
      provisioners: [
        {
          type: "local-exec",
          interpreter: ["node", "-e"],
          command: terraformLiteral(REGISTRAR_EXIT_CHECK),
          environment: { REGISTRAR_EXIT_CODE: "${self.exit_code}", REGISTRAR_LOG: '${self.container_logs == null ? "" : self.container_logs}' },
        },
      ],
      dependsOn: props.dependsOn,
    });
  }
}

export interface SinkAppProps {
  readonly prefix: string;
  readonly network: string;
  readonly hostIp: string;
  readonly image: Image;
  /** Parsed runtime config (sink-app/src/config.ts), uploaded as /etc/sink-app/config.json. */
  readonly config: SinkAppConfig;
  /** Environment variables named by the config (passwords, endpoint tokens); each becomes a secret variable. */
  readonly secretEnv: string[];
  readonly secrets: Secrets;
  /** Port of /healthz, /readyz and /metrics inside the container. */
  readonly httpPort: number;
  readonly hostPort: number | null;
  readonly waitTimeoutSeconds: number;
  /** @default no limit */
  readonly memoryMb?: number;
  /** @default no limit */
  readonly cpus?: number;
  readonly dependsOn: Container[];
}

/** The consumer service: Debezium topics into Meter Master and the per-database API endpoints. */
export class SinkApp extends ServiceContainer {
  /** The config file's text as uploaded into the container. */
  readonly configJson: string;

  constructor(scope: Construct, id: string, props: SinkAppProps) {
    const configJson = sinkAppConfigJson(props.config);
    super(scope, id, {
      prefix: props.prefix,
      name: "sink-app",
      image: props.image,
      network: props.network,
      hostIp: props.hostIp,
      ports: [{ internal: props.httpPort, external: props.hostPort }],
      // no command: the image's CMD runs it, with the V8 flags sink-app/Dockerfile gives there
      env: ["SINK_APP_CONFIG=/etc/sink-app/config.json", ...props.secretEnv.map((name) => props.secrets.env(name))],
      files: [{ path: "/etc/sink-app/config.json", content: configJson }],
      healthCheck: { test: ["CMD", "node", ENTRY.healthcheck] },
      waitTimeoutSeconds: props.waitTimeoutSeconds,
      memoryMb: props.memoryMb,
      cpus: props.cpus,
      dependsOn: props.dependsOn,
    });
    this.configJson = configJson;
  }
}

export interface DemoApiProps {
  readonly prefix: string;
  readonly network: string;
  readonly hostIp: string;
  readonly image: Image;
  readonly hostPort: number | null;
}

/** Records what the API endpoints receive (GET /api/<source>), so a person can see the API side work. */
export class DemoApi extends ServiceContainer {
  /** Base URL for containers on the stack's network. */
  readonly url = "http://demo-api:8080";

  constructor(scope: Construct, id: string, props: DemoApiProps) {
    super(scope, id, {
      prefix: props.prefix,
      name: "demo-api",
      image: props.image,
      network: props.network,
      hostIp: props.hostIp,
      ports: [{ internal: 8080, external: props.hostPort }],
      command: ["node", ENTRY.demoApi],
      env: ["PORT=8080", "HOST=0.0.0.0"],
      healthCheck: { test: ["CMD", "node", ENTRY.demoApi, "--healthcheck"] },
      waitTimeoutSeconds: 60,
    });
  }
}

function sinkAppConfigJson(config: unknown): string {
  return JSON.stringify(config, null, 2);
}
