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

export const renderedConnectorSchema = z
  .object({
    name: z.string().min(1).describe("Kafka Connect connector name."),
    config: z.record(z.string(), z.string()).describe("The connector config exactly as PUT /connectors/{name}/config takes it."),
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

export type RenderedConnector = z.infer<typeof renderedConnectorSchema>;
export type DesiredConnectors = z.infer<typeof desiredConnectorsSchema>;
