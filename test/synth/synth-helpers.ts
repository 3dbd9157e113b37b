import { Testing } from "cdktf";
import { type DeploymentInput, DeploymentSchema } from "../../connector-configs/schemas/deployment.js";
import { DEFAULT_OWNER, OWNER_KEY } from "../../sink-app/src/connect/desired.js";
import { PipelineStack, type RenderedConnector } from "../../stacks/pipeline-stack.js";
import { readAsTerraform } from "./terraform-template.js";

/** A Debezium PostgreSQL connector as the registrar receives it: the password is a config-provider reference. */
export const POSTGRES_CONNECTOR: RenderedConnector = {
  name: "postgres-meters",
  config: {
    "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
    "database.hostname": "postgres",
    "database.port": "5432",
    "database.user": "debezium",
    "database.password": "${env:POSTGRES_DEBEZIUM_PASSWORD}",
    "database.dbname": "meters",
    "topic.prefix": "postgres",
    "table.include.list": "public.meters",
    "plugin.name": "pgoutput",
    [OWNER_KEY]: DEFAULT_OWNER,
  },
};

export const MYSQL_CONNECTOR: RenderedConnector = {
  name: "mysql-meters",
  config: {
    "connector.class": "io.debezium.connector.mysql.MySqlConnector",
    "database.hostname": "mysql",
    "database.port": "3306",
    "database.user": "debezium",
    "database.password": "${env:MYSQL_DEBEZIUM_PASSWORD}",
    "database.server.id": "5401",
    "topic.prefix": "mysql",
    "table.include.list": "meterdb.meter_registry",
    [OWNER_KEY]: DEFAULT_OWNER,
  },
};

export interface Synthesized {
  resource: Record<string, any>;
  variable?: Record<string, any>;
  output?: Record<string, any>;
  provider?: Record<string, any>;
}

/** Synthesizes the stack for a deployment config and returns the Terraform JSON. */
export function synth(
  deployment: DeploymentInput = {},
  connectors: RenderedConnector[] = [POSTGRES_CONNECTOR, MYSQL_CONNECTOR],
): { json: Synthesized; raw: string } {
  const app = Testing.app();
  const stack = new PipelineStack(app, "pipeline", {
    deployment: DeploymentSchema.parse(deployment),
    connectors: { owner: DEFAULT_OWNER, connectors },
    // The stack adds Kafka's and Meter Master's addresses from its constructs and parses the result.
    sinkApp: {
      config: {
        kafka: {},
        meterMaster: {},
        mapping: { sources: { postgres: { table: "public.meters", key: ["id"], columns: { meter_id: "serial_no" } } } },
        sources: [{ name: "postgres", topics: ["postgres.public.meters"] }],
      },
      origins: { deploymentFile: "deployment.ts", mappingFile: "meter-master.ts", endpointsFile: "api-endpoints.ts" },
      httpPort: 9464,
    },
  });
  const raw = Testing.synth(stack);
  return { json: JSON.parse(raw) as Synthesized, raw };
}

export function containers(json: Synthesized): Record<string, any> {
  return json.resource.docker_container ?? {};
}

/** The container resource whose Docker name is `<prefix>-<component>`. */
export function container(json: Synthesized, component: string, prefix = "meter-master"): any {
  const found = Object.values(containers(json)).find((c: any) => c.name === `${prefix}-${component}`);
  if (!found) {
    const names = Object.values(containers(json)).map((c: any) => c.name);
    throw new Error(`no container ${prefix}-${component}; have: ${names.join(", ")}`);
  }
  return found;
}

export function containerNames(json: Synthesized): string[] {
  return Object.values(containers(json))
    .map((c: any) => c.name as string)
    .sort();
}

/** Terraform address (`docker_container.<id>`) of a component's container, as depends_on lists it. */
export function address(json: Synthesized, component: string): string {
  const entry = Object.entries(containers(json)).find(([, c]: [string, any]) => c.name === `meter-master-${component}`);
  if (!entry) throw new Error(`no container for ${component}`);
  return `docker_container.${entry[0]}`;
}

/** Content of a file uploaded into a container, as Terraform reads it (escapes undone; an unescaped `${` fails). */
export function uploaded(c: any, path: string): string {
  const file = (c.upload ?? []).find((u: any) => u.file === path);
  if (!file) throw new Error(`no upload ${path} in ${c.name}`);
  return readAsTerraform(file.content);
}
