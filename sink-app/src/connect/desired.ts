// The contract between rendering (at synth time, in connector-configs/) and
// the registrar (at deploy time, in the sink-app image): the JSON file named by
// REGISTRAR_CONNECTORS_FILE. Kept here, free of connector-configs imports, so
// the sink-app image builds from sink-app/ alone.
import { z } from "zod";

/** Config key marking a connector as created by this package; its value is the deployment's owner id. */
export const OWNER_KEY = "meter-master.managed-by";
/** Default owner id; deployments sharing one Connect cluster must use different ones. */
export const DEFAULT_OWNER = "meter-master-cdc";
/**
 * On a PostgreSQL connector: "true" when removing the connector must also drop
 * its replication slot and publication (external databases, unless kept).
 */
export const PG_DROP_SLOT_KEY = "meter-master.postgres.drop-slot-on-remove";

/** The state a connector is declared in; deploy, `connectors apply` and the supervisor hold the worker to it. */
export const connectorStateSchema = z
  .enum(["running", "paused", "stopped"])
  .default("running")
  .describe(
    "state: what the connector should be doing. `running` (default); `paused` keeps its tasks (and a PostgreSQL slot's WAL) but produces nothing; `stopped` also shuts its tasks down, and is the state in which its offsets can be changed. Deploy and `connectors apply` bring Kafka Connect to it (pause, resume, stop); a new connector is created directly in it.",
  );
export type ConnectorState = z.output<typeof connectorStateSchema>;

/** Self-healing of FAILED connectors and tasks by the sink-app's supervisor; Strimzi's autoRestart schedule by default. */
export const autoRestartSchema = z
  .object({
    enabled: z
      .boolean()
      .default(true)
      .describe("Restart this connector and its tasks when they are FAILED. Default true. A declared pause or stop is never restarted."),
    maxRestarts: z
      .number()
      .int()
      .min(0)
      .default(10)
      .describe(
        "Restart budget: how many restarts in a row, without a stable run between them, before the supervisor gives up and leaves the connector FAILED for a person (metric sink_connect_restart_budget_exhausted = 1). Default 10 (about 5 hours on the default schedule).",
      ),
    backoffUnitSeconds: z
      .number()
      .int()
      .min(1)
      .default(60)
      .describe(
        "Unit of the growing backoff: before restart n (0, 1, 2, ...) the supervisor waits (n*n + n) units, so 0, 2, 6, 12, 20, 30, 42, 56 minutes with the default 60 s, as Strimzi's KafkaConnector autoRestart does.",
      ),
    maxBackoffSeconds: z.number().int().min(1).default(3600).describe("Longest wait between two restarts. Default 3600 (Strimzi's cap of 60 minutes)."),
    stableSeconds: z
      .number()
      .int()
      .min(1)
      .default(600)
      .describe(
        "After the connector and every task have been RUNNING this long, the restart count (and with it the backoff and the budget) starts from zero again. Default 600.",
      ),
  })
  .strict()
  .prefault({})
  .describe("autoRestart: how the sink-app's supervisor restarts this connector when it or one of its tasks is FAILED.");
export type AutoRestart = z.output<typeof autoRestartSchema>;

export const renderedConnectorSchema = z
  .object({
    name: z.string().min(1).describe("Kafka Connect connector name."),
    config: z.record(z.string(), z.string()).describe("The connector config exactly as PUT /connectors/{name}/config takes it."),
    state: connectorStateSchema,
    autoRestart: autoRestartSchema,
  })
  .strict();

export const desiredConnectorsSchema = z
  .object({
    owner: z.string().min(1).describe("Owner id written into every connector's `meter-master.managed-by`."),
    connectors: z.array(renderedConnectorSchema).describe("Every connector this deployment declares (enabled ones only)."),
  })
  .strict()
  .superRefine((d, ctx) => {
    const seen = new Set<string>();
    d.connectors.forEach((c, i) => {
      if (seen.has(c.name)) ctx.addIssue({ code: "custom", path: ["connectors", i, "name"], message: `connector name "${c.name}" declared twice` });
      seen.add(c.name);
      if (c.config[OWNER_KEY] !== d.owner) {
        ctx.addIssue({ code: "custom", path: ["connectors", i, "config", OWNER_KEY], message: `must equal owner "${d.owner}"` });
      }
      if (c.config.name !== undefined && c.config.name !== c.name) {
        ctx.addIssue({ code: "custom", path: ["connectors", i, "config", "name"], message: `must equal the connector name "${c.name}"` });
      }
    });
  });

/** One declared connector; `state` and `autoRestart` take their defaults when left out. */
export type RenderedConnector = z.input<typeof renderedConnectorSchema>;
/** The registrar's input; a connector without `state` is declared running. */
export type DesiredConnectors = z.input<typeof desiredConnectorsSchema>;

/** What the sink-app's supervisor needs of the declared connectors: names, declared states, restart policies. */
export function supervisedConnectors(desired: DesiredConnectors): {
  owner: string;
  connectors: { name: string; state: ConnectorState; autoRestart: AutoRestart }[];
} {
  const parsed = desiredConnectorsSchema.parse(desired);
  return { owner: parsed.owner, connectors: parsed.connectors.map((c) => ({ name: c.name, state: c.state, autoRestart: c.autoRestart })) };
}
