import { defineDeployment } from "./define.js";

/**
 * What runs where. Every field is optional: the defaults (hover a field in your editor for its
 * description and default, from schemas/deployment.ts) stand up the whole demo on this Docker host.
 *
 * To use an existing database instead of a container, set its `database.mode` to "external"
 * and put its address in connector-configs/sources/<name>.ts.
 */
export default defineDeployment({
  sources: {
    mssql: { database: { mode: "embedded" } },
    oracle: { database: { mode: "embedded" } },
    mysql: { database: { mode: "embedded" } },
    postgres: { database: { mode: "embedded" } },
  },
  kafka: { mode: "embedded" },
  meterMaster: { target: { mode: "embedded" } },
});
