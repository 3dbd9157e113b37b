// The Kafka Connect key of every typed field is declared once (declareKeys), typed against the
// schema's parsed type. The @ts-expect-error lines are the proof: `npm run typecheck` (tsc over
// test/) fails if a misspelled field or a forgotten field ever compiles.
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { declareKeys, keyTableOf, renderKeys, typedFieldFor } from "../../../connector-configs/schemas/common.js";
import { POSTGRES_KEYS, type PostgresSourceConfig } from "../../../connector-configs/schemas/debezium.js";
import { HTTP_SINK_KEYS, type HttpSinkConfig } from "../../../connector-configs/schemas/http-sink.js";

const schema = z.object({
  name: z.string(),
  enabled: z.boolean().default(true),
  connection: z.object({ host: z.string(), port: z.number().int().default(5432) }),
  tables: z.array(z.string()),
});
type Example = z.output<typeof schema>;
const ctx = { owner: "o", external: false };

describe("a Debezium option is one typed declaration", () => {
  it("renders the declared keys in declaration order, from the parsed (defaulted) values", () => {
    const keys = declareKeys<Example>()({
      keys: {
        "database.hostname": "connection.host",
        "database.port": "connection.port",
        "table.include.list": { field: "tables", render: (tables) => tables.join(",") },
        name: "name",
      },
      unrendered: { enabled: "decides whether the connector is deployed" },
    });
    const rendered = renderKeys(keys, schema.parse({ name: "pg", connection: { host: "db" }, tables: ["a.b", "c.d"] }), ctx);
    expect(JSON.stringify(rendered)).toBe('{"database.hostname":"db","database.port":"5432","table.include.list":"a.b,c.d","name":"pg"}');
  });

  it("the passthrough check refuses exactly the keys the same declaration renders", () => {
    const table = keyTableOf(POSTGRES_KEYS);
    expect(typedFieldFor(table, "slot.name")).toBe("slotName");
    expect(typedFieldFor(table, "database.dbname")).toBe("connection.database");
    expect(typedFieldFor(table, "slot.max.retries")).toBeUndefined();
    expect(typedFieldFor(keyTableOf(HTTP_SINK_KEYS), "consumer.override.group.id")).toBe("name");
  });

  it("a misspelled field, an unknown field or a forgotten field does not compile", () => {
    // The shipped declarations are complete for their schemas' types.
    declareKeys<PostgresSourceConfig>()(POSTGRES_KEYS);
    declareKeys<HttpSinkConfig>()(HTTP_SINK_KEYS);

    declareKeys<PostgresSourceConfig>()({
      keys: {
        ...POSTGRES_KEYS.keys,
        // @ts-expect-error a typo in the field name
        "slot.name": "slotNmae",
      },
      unrendered: POSTGRES_KEYS.unrendered,
    });

    declareKeys<Example>()({
      keys: {
        // @ts-expect-error a field the schema does not have
        "database.hostname": "connection.hostname",
        "database.port": "connection.port",
        "table.include.list": "tables",
        name: "name",
      },
      unrendered: { enabled: "not rendered" },
    });

    declareKeys<Example>()(
      // @ts-expect-error connection.port renders no key and is not listed in `unrendered`
      {
        keys: { "database.hostname": "connection.host", "table.include.list": "tables", name: "name" },
        unrendered: { enabled: "not rendered" },
      },
    );

    // A render function gets the field's own type: tables is string[], not a number.
    declareKeys<Example>()({
      keys: {
        // @ts-expect-error toFixed does not exist on string[]
        "table.include.list": { field: "tables", render: (tables) => tables.toFixed() },
        "database.hostname": "connection.host",
        "database.port": "connection.port",
        name: "name",
      },
      unrendered: { enabled: "not rendered" },
    });
    expect(true).toBe(true);
  });
});
