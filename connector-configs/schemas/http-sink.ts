// Zod schema for one Aiven HTTP Sink connector (io.aiven.kafka.connect.http.HttpSinkConnector):
// every option of its documented dictionary, the cross-field rules the
// connector enforces only at start (caught here, at synth time, with an
// explanation), and defaults for its known traps.
import { z } from "zod";
import { OWNER_KEY } from "../../sink-app/src/connect/desired.js";
import {
  autoRestartSchema,
  connectorStateSchema,
  declareKeys,
  enabledSchema,
  type KeyRenderContext,
  type KeyTable,
  keyTableOf,
  passthroughSchema,
  predicateKeys,
  predicateSchema,
  refineCommon,
  transformKeys,
  transformSchema,
} from "./common.js";
import { renderSecretRef, secretRefSchema } from "./secret.js";

// Matching control characters is the point: they would end or forge an HTTP header line.
// biome-ignore lint/suspicious/noControlCharactersInRegex: the regex exists to refuse control characters
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f]+$/;

export const HTTP_SINK_CONNECTOR_CLASS = "io.aiven.kafka.connect.http.HttpSinkConnector";

/** The SMT and predicate names the tombstone filter uses; user transforms may not reuse them. */
export const TOMBSTONE_TRANSFORM = "dropTombstones";
export const TOMBSTONE_PREDICATE = "isTombstone";

const httpUrlSchema = z
  .url({ protocol: /^https?$/, error: "an http:// or https:// URL" })
  // Credentials in a URL would sit in the repository and in GET /connectors/{name}/config.
  .refine((u) => !/^[a-z]+:\/\/[^/?#]*@/i.test(u), "a URL without user:password (use `authorization` with a secret reference)")
  .describe("An HTTP(S) URL.");

export const httpSinkNameSchema = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_.-]*$/, "a name of letters, digits, '_', '.' or '-' starting with a letter")
  .max(100)
  .describe(
    "Kafka Connect connector name. The sink's consumer group is `Group_<name>` (consumer.override.group.id), as in the previous version of this system.",
  );

// Header names are HTTP tokens; values may not contain ',' or ':' because the
// connector splits `http.headers.additional` on ',' and each entry on ':' (exactly two parts).
const headerNameSchema = z.string().regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, "an HTTP header name");
const headerValueSchema = z
  .string()
  .refine((v) => !/[,:]/.test(v), "a value without ',' or ':' (the connector splits additional headers on them)")
  .refine((v) => v.trim() === v && v.length > 0, "a non-empty value without leading or trailing spaces");

export const oauth2Schema = z
  .object({
    accessTokenUrl: httpUrlSchema
      .optional()
      .describe("oauth2.access.token.url: where to fetch an access token (client credentials grant, the only one supported)."),
    clientId: z
      .string()
      .min(1)
      .regex(NO_CONTROL_CHARACTERS, "no control characters")
      .optional()
      .describe("oauth2.client.id: the client id used to fetch an access token."),
    clientSecret: secretRefSchema.optional().describe("oauth2.client.secret: reference to the client secret (never the secret itself)."),
    clientAuthorizationMode: z
      .enum(["HEADER", "URL"])
      .default("HEADER")
      .describe(
        "oauth2.client.authorization.mode: HEADER sends client id and secret as `Authorization: Basic ...`; URL sends them as form parameters. Default HEADER.",
      ),
    clientScope: z
      .string()
      .min(1)
      .regex(NO_CONTROL_CHARACTERS, "no control characters")
      .optional()
      .describe("oauth2.client.scope: scope requested with the token. Unset: none."),
    responseTokenProperty: z
      .string()
      .min(1)
      .regex(NO_CONTROL_CHARACTERS, "no control characters")
      .default("access_token")
      .describe("oauth2.response.token.property: JSON property of the token response that holds the access token. Default access_token."),
  })
  .strict()
  .describe("OAuth2 client-credentials settings (the oauth2.* group); used when authorization.type is oauth2.");

export const authorizationSchema = z
  .object({
    type: z
      .enum(["none", "static", "oauth2"])
      .default("none")
      .describe("http.authorization.type: `none`; `static` sends `header` as the Authorization header; `oauth2` fetches a bearer token with `oauth2`."),
    header: secretRefSchema
      .optional()
      .describe("http.headers.authorization: reference to the full Authorization header value (e.g. `Bearer abc...`), for type static only."),
    oauth2: oauth2Schema.optional(),
  })
  .strict()
  .prefault({})
  .describe("How the sink authenticates to the endpoint.");

export const batchingSchema = z
  .object({
    enabled: z.boolean().default(false).describe("batching.enabled: send several records in one request. Default false (one request per record)."),
    maxSize: z
      .number()
      .int()
      .min(1, "at least 1")
      .max(1_000_000, "at most 1000000")
      .default(500)
      .describe("batch.max.size: most records per request, 1..1000000. Default 500."),
    prefix: z.string().default("").describe('batch.prefix: written once before the first record of a batch, e.g. "[" for a JSON array. Default "".'),
    suffix: z.string().optional().describe('batch.suffix: written once after the last record of a batch, e.g. "]". Unset: the connector\'s default "\\n".'),
    separator: z.string().optional().describe('batch.separator: written between records, e.g. ",". Unset: the connector\'s default "\\n".'),
  })
  .strict()
  .prefault({})
  .describe("Batching of several records into one HTTP request.");

export const deliverySchema = z
  .object({
    maxRetries: z
      .number()
      .int()
      .min(0, "0 or more")
      .default(10)
      .describe(
        "max.retries: retries of a failed request before the task fails. Default here 10 (the connector's own default, 1, fails the task — which then needs a manual restart — after a single 3 s hiccup of the endpoint, e.g. a redeploy of the API).",
      ),
    retryBackoffMs: z
      .number()
      .int()
      .min(0, "0 or more")
      .max(2_147_483_647)
      .default(3000)
      .describe("retry.backoff.ms: wait between those retries, in ms. Default 3000."),
    kafkaRetryBackoffMs: z
      .number()
      .int()
      .min(0, "at least 0")
      .max(86_400_000, "at most 86400000 (24 hours)")
      .optional()
      .describe(
        "kafka.retry.backoff.ms: when set, a request still failing after max.retries is handed back to Kafka Connect, which redelivers the batch after this many ms (indefinitely) instead of failing the task. 0..86400000. Unset: the task fails.",
      ),
  })
  .strict()
  .prefault({})
  .describe("Retries of failed requests.");

export const sinkErrorsSchema = z
  .object({
    tolerance: z
      .enum(["none", "all"])
      .default("none")
      .describe(
        "errors.tolerance: `none` fails the task on a record that cannot be converted or transformed; `all` skips it (to the dead letter topic if one is set). The connector refuses `all` together with batching.",
      ),
    deadLetterQueue: z
      .object({
        topic: z
          .string()
          .regex(/^[A-Za-z0-9._-]+$/, "a Kafka topic name")
          .describe("errors.deadletterqueue.topic.name: topic receiving records that failed conversion/transformation."),
        replicationFactor: z
          .number()
          .int()
          .min(1)
          .default(1)
          .describe(
            "errors.deadletterqueue.topic.replication.factor: used if Connect creates the topic. Default here 1 (Connect's own default, 3, cannot be met by a single-broker Kafka).",
          ),
        contextHeadersEnable: z
          .boolean()
          .default(true)
          .describe("errors.deadletterqueue.context.headers.enable: add headers saying why and where a record failed. Default here true."),
      })
      .strict()
      .optional()
      .describe("Dead letter queue; needs tolerance `all`."),
    logEnable: z.boolean().default(false).describe("errors.log.enable: log each failed record's error. Default false."),
    logIncludeMessages: z.boolean().default(false).describe("errors.log.include.messages: include the record in that log. Default false."),
  })
  .strict()
  .prefault({})
  .describe("Kafka Connect error handling for this sink.");

const converterChoice = z
  .enum(["string", "json", "bytes"])
  .describe(
    "`string` (org.apache.kafka.connect.storage.StringConverter) passes the Debezium JSON text through unchanged; `json` (JsonConverter, schemas.enable=false) re-serialises it; `bytes` (ByteArrayConverter) sends raw bytes.",
  );

export const httpSinkSchema = z
  .object({
    kind: z.literal("http-sink").describe("Connector type: Aiven HTTP Sink (io.aiven.kafka.connect.http.HttpSinkConnector)."),
    name: httpSinkNameSchema,
    enabled: enabledSchema,
    state: connectorStateSchema,
    autoRestart: autoRestartSchema,
    description: z.string().optional().describe("Free text for people reading the file; not rendered."),
    topics: z
      .array(z.string().regex(/^[A-Za-z0-9._-]+$/, "a Kafka topic name"))
      .min(1)
      .describe('topics: the topics whose records are sent, e.g. ["postgres.public.meters"].'),
    url: httpUrlSchema.describe("http.url: the endpoint each request is POSTed to."),
    authorization: authorizationSchema,
    contentType: z
      .string()
      .trim()
      .min(1, "a non-blank Content-Type")
      .default("application/json")
      .describe(
        "http.headers.content.type: Content-Type of each request. Default here application/json (the connector sends none by default, which many APIs reject).",
      ),
    additionalHeaders: z
      .record(headerNameSchema, headerValueSchema)
      .default({})
      .describe(
        "http.headers.additional: extra headers, name -> value. Names are case-insensitive and may not repeat; values may not contain ',' or ':'. Authorization and Content-Type have their own fields.",
      ),
    batching: batchingSchema,
    delivery: deliverySchema,
    timeoutSeconds: z
      .number()
      .int()
      .min(1, "at least 1")
      .max(2_147_483_647)
      .default(30)
      .describe("http.timeout: HTTP response timeout in seconds. Default 30."),
    errors: sinkErrorsSchema,
    dropTombstones: z
      .boolean()
      .default(true)
      .describe(
        "Drop Kafka tombstones (null values, which Debezium writes after each delete) with a Filter SMT and the RecordIsTombstone predicate before they reach the connector: the Aiven sink fails its task on a null value. The delete event itself still arrives. Default true.",
      ),
    keyConverter: converterChoice.default("string").describe("key.converter for this sink. Default string."),
    valueConverter: converterChoice
      .default("string")
      .describe("value.converter for this sink. Default string: the endpoint receives exactly the Debezium JSON Kafka holds."),
    tasksMax: z.number().int().min(1).default(1).describe("tasks.max: parallel tasks (at most the topics' partition count is useful). Default 1."),
    transforms: z.array(transformSchema).default([]).describe("transforms: SMTs applied after the tombstone filter, in order."),
    predicates: z.array(predicateSchema).default([]).describe("predicates: predicates the transforms refer to."),
    passthrough: passthroughSchema,
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const auth = cfg.authorization;
    if (auth.type === "static" && auth.header === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["authorization", "header"],
        input: undefined,
        message:
          "a secret reference for the Authorization header, since authorization.type is static (the connector refuses static without http.headers.authorization)",
      });
    }
    if (auth.type !== "static" && auth.header !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["authorization", "header"],
        input: auth.header,
        message: `no header with authorization.type ${auth.type} (the connector refuses http.headers.authorization unless the type is static)`,
      });
    }
    if (auth.type === "oauth2") {
      const o = auth.oauth2;
      const missing = (["accessTokenUrl", "clientId", "clientSecret"] as const).filter((k) => o?.[k] === undefined);
      for (const k of missing) {
        ctx.addIssue({
          code: "custom",
          path: ["authorization", "oauth2", k],
          input: undefined,
          message: `a value, since authorization.type is oauth2 (the connector needs token URL, client id and client secret)`,
        });
      }
    } else if (auth.oauth2 !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["authorization", "oauth2"],
        input: auth.oauth2,
        message: `no oauth2 settings with authorization.type ${auth.type} (they would be ignored; set type: "oauth2" to use them)`,
      });
    }
    if (cfg.errors.tolerance === "all" && cfg.batching.enabled) {
      ctx.addIssue({
        code: "custom",
        path: ["errors", "tolerance"],
        input: cfg.errors.tolerance,
        message:
          '"none" while batching.enabled is true: the Aiven HTTP sink refuses errors.tolerance=all with batching ("Cannot use errors.tolerance when batching is enabled") and its task would fail at start. Disable batching or keep tolerance none',
      });
    }
    if (cfg.errors.deadLetterQueue !== undefined && cfg.errors.tolerance !== "all") {
      ctx.addIssue({
        code: "custom",
        path: ["errors", "deadLetterQueue"],
        input: cfg.errors.deadLetterQueue,
        message: 'errors.tolerance "all" together with a dead letter queue (with "none" Kafka Connect never routes a record there)',
      });
    }
    const seen = new Map<string, string>();
    for (const name of Object.keys(cfg.additionalHeaders)) {
      const lower = name.toLowerCase();
      if (lower === "authorization" || lower === "content-type") {
        ctx.addIssue({
          code: "custom",
          path: ["additionalHeaders", name],
          input: cfg.additionalHeaders[name],
          message: lower === "authorization" ? "the header in `authorization` (a secret reference), not here in plain text" : "the value in `contentType`",
        });
      }
      const prev = seen.get(lower);
      if (prev !== undefined) {
        ctx.addIssue({
          code: "custom",
          path: ["additionalHeaders", name],
          input: cfg.additionalHeaders[name],
          message: `a header name not already given as "${prev}" (names are case-insensitive)`,
        });
      }
      seen.set(lower, name);
    }
    if (!cfg.batching.enabled) {
      const b = cfg.batching;
      for (const k of ["suffix", "separator"] as const) {
        if (b[k] !== undefined) {
          ctx.addIssue({ code: "custom", path: ["batching", k], input: b[k], message: "batching.enabled true (it only applies to batches)" });
        }
      }
      if (b.prefix !== "") {
        ctx.addIssue({ code: "custom", path: ["batching", "prefix"], input: b.prefix, message: "batching.enabled true (it only applies to batches)" });
      }
    }
    refineCommon(cfg, ctx, HTTP_SINK_KEY_TABLE, cfg.dropTombstones ? { transforms: [TOMBSTONE_TRANSFORM], predicates: [TOMBSTONE_PREDICATE] } : {});
  })
  .describe("An Aiven HTTP Sink connector delivering topics to one HTTP endpoint.");

export type HttpSinkInput = z.input<typeof httpSinkSchema>;
export type HttpSinkConfig = z.output<typeof httpSinkSchema>;

/** The consumer group of an HTTP sink, as the previous version of this system named it. */
export function httpSinkGroupId(name: string): string {
  return `Group_${name}`;
}

const CONVERTER_CLASS = {
  string: "org.apache.kafka.connect.storage.StringConverter",
  json: "org.apache.kafka.connect.json.JsonConverter",
  bytes: "org.apache.kafka.connect.converters.ByteArrayConverter",
} as const;

/** A batch.* option is only rendered when batching is on. */
const whenBatching = <V>(v: V, c: HttpSinkConfig): V | undefined => (c.batching.enabled ? v : undefined);

/** Every Kafka Connect key an HTTP sink renders, in order. */
export const HTTP_SINK_KEYS = declareKeys<HttpSinkConfig>()({
  keys: {
    "connector.class": { field: "kind", render: () => HTTP_SINK_CONNECTOR_CLASS },
    name: "name",
    "tasks.max": "tasksMax",
    topics: { field: "topics", render: (topics) => topics.join(",") },
    "http.url": "url",
    "http.authorization.type": "authorization.type",
    "http.headers.authorization": { field: "authorization.header", render: (ref) => ref && renderSecretRef(ref) },
    "oauth2.access.token.url": "authorization.oauth2.accessTokenUrl",
    "oauth2.client.id": "authorization.oauth2.clientId",
    "oauth2.client.secret": { field: "authorization.oauth2.clientSecret", render: (ref) => ref && renderSecretRef(ref) },
    "oauth2.client.authorization.mode": "authorization.oauth2.clientAuthorizationMode",
    "oauth2.client.scope": "authorization.oauth2.clientScope",
    "oauth2.response.token.property": "authorization.oauth2.responseTokenProperty",
    "http.headers.content.type": "contentType",
    "http.headers.additional": {
      field: "additionalHeaders",
      render: (headers) => {
        const entries = Object.entries(headers);
        return entries.length > 0 ? entries.map(([k, v]) => `${k}:${v}`).join(",") : undefined;
      },
    },
    "batching.enabled": "batching.enabled",
    "batch.max.size": { field: "batching.maxSize", render: whenBatching },
    "batch.prefix": { field: "batching.prefix", render: whenBatching },
    "batch.suffix": { field: "batching.suffix", render: whenBatching },
    "batch.separator": { field: "batching.separator", render: whenBatching },
    "max.retries": "delivery.maxRetries",
    "retry.backoff.ms": "delivery.retryBackoffMs",
    "kafka.retry.backoff.ms": "delivery.kafkaRetryBackoffMs",
    "http.timeout": "timeoutSeconds",
    "consumer.override.group.id": { field: "name", render: httpSinkGroupId },
    "key.converter": { field: "keyConverter", render: (c) => CONVERTER_CLASS[c] },
    "key.converter.schemas.enable": { field: "keyConverter", render: (c) => (c === "json" ? "false" : undefined) },
    "value.converter": { field: "valueConverter", render: (c) => CONVERTER_CLASS[c] },
    "value.converter.schemas.enable": { field: "valueConverter", render: (c) => (c === "json" ? "false" : undefined) },
    transforms: {
      fields: ["transforms", "dropTombstones"],
      prefix: "transforms.",
      render: (c: HttpSinkConfig) =>
        transformKeys(
          c.dropTombstones
            ? [{ name: TOMBSTONE_TRANSFORM, type: "org.apache.kafka.connect.transforms.Filter", predicate: TOMBSTONE_PREDICATE, config: {} }, ...c.transforms]
            : c.transforms,
        ),
    },
    predicates: {
      fields: ["predicates", "dropTombstones"],
      prefix: "predicates.",
      render: (c: HttpSinkConfig) =>
        predicateKeys(
          c.dropTombstones
            ? [{ name: TOMBSTONE_PREDICATE, type: "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone", config: {} }, ...c.predicates]
            : c.predicates,
        ),
    },
    "errors.tolerance": "errors.tolerance",
    "errors.deadletterqueue.topic.name": "errors.deadLetterQueue.topic",
    "errors.deadletterqueue.topic.replication.factor": "errors.deadLetterQueue.replicationFactor",
    "errors.deadletterqueue.context.headers.enable": "errors.deadLetterQueue.contextHeadersEnable",
    "errors.log.enable": "errors.logEnable",
    "errors.log.include.messages": "errors.logIncludeMessages",
    "(passthrough)": { fields: ["passthrough"], free: true, render: (c: HttpSinkConfig) => c.passthrough },
    [OWNER_KEY]: { fields: [], render: (_c: HttpSinkConfig, ctx: KeyRenderContext) => ({ [OWNER_KEY]: ctx.owner }) },
  },
  unrendered: {
    enabled: "decides whether the connector is deployed at all",
    state: "the registrar holds the connector in this state",
    autoRestart: "read by the sink-app's connector supervisor",
    description: "free text for readers",
  },
  reserved: {
    keys: { "topics.regex": "topics" },
    prefixes: { "key.converter.": "keyConverter", "value.converter.": "valueConverter" },
  },
});

export const HTTP_SINK_KEY_TABLE: KeyTable = keyTableOf(HTTP_SINK_KEYS);
