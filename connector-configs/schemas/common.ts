// Building blocks shared by the source (Debezium) and HTTP sink schemas:
// names, SMTs, predicates, converters, error handling, and the `passthrough`
// escape hatch with its shadowing check.
import { z } from "zod";

// One source-name rule for every file (connector names, mapping and endpoint keys, the sink-app).
export { SOURCE_NAME, SourceNameSchema as sourceNameSchema } from "../../sink-app/src/validation.js";

/** SMT, predicate and converter names become parts of config keys (`transforms.<name>.type`). */
const ALIAS = /^[A-Za-z][A-Za-z0-9_]*$/;
const aliasSchema = z.string().regex(ALIAS, "a name of letters, digits and '_' starting with a letter");
const javaClassSchema = z
  .string()
  .regex(/^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)+$/, "a fully qualified Java class name, e.g. org.apache.kafka.connect.transforms.Filter")
  .describe("Fully qualified Java class name.");
const stringMapSchema = z.record(z.string().min(1), z.string());

export const predicateSchema = z
  .object({
    name: aliasSchema.describe("Predicate alias, referenced by a transform's `predicate`."),
    type: javaClassSchema.describe(
      "Predicate class, e.g. org.apache.kafka.connect.transforms.predicates.TopicNameMatches or ...predicates.RecordIsTombstone.",
    ),
    config: stringMapSchema.default({}).describe("The predicate's own options, without the `predicates.<name>.` prefix."),
  })
  .strict()
  .describe("A Kafka Connect predicate (KIP-585), rendered as predicates.<name>.*.");

export const transformSchema = z
  .object({
    name: aliasSchema.describe("Transform alias; the order in the list is the order applied."),
    type: javaClassSchema.describe(
      "SMT class, e.g. io.debezium.transforms.ExtractNewRecordState or org.apache.kafka.connect.transforms.Filter.",
    ),
    predicate: aliasSchema.optional().describe("Name of a predicate in `predicates`; the SMT applies only to records it matches."),
    negate: z.boolean().optional().describe("Apply the SMT to records the predicate does NOT match."),
    config: stringMapSchema.default({}).describe("The SMT's own options, without the `transforms.<name>.` prefix."),
  })
  .strict()
  .describe("A single message transform (SMT), rendered as transforms.<name>.*.");

export const converterSchema = z
  .object({
    name: aliasSchema.describe("Converter alias; its options render as `<name>.*` top-level keys."),
    type: javaClassSchema.describe("Class implementing io.debezium.spi.converter.CustomConverter."),
    config: stringMapSchema.default({}).describe("The converter's own options, without the `<name>.` prefix."),
  })
  .strict()
  .describe("A Debezium custom converter (the `converters` option).");

export const errorsSchema = z
  .object({
    tolerance: z
      .enum(["none", "all"])
      .default("none")
      .describe("errors.tolerance: `none` stops the task on a conversion/transform error; `all` skips the record. Kafka Connect default: none."),
    logEnable: z
      .boolean()
      .default(false)
      .describe("errors.log.enable: log each failed operation and problem record. Kafka Connect default: false."),
    logIncludeMessages: z
      .boolean()
      .default(false)
      .describe("errors.log.include.messages: include the record itself in that log (may contain personal data). Default: false."),
  })
  .strict()
  .describe("Kafka Connect error handling for converters and transforms.");

export const passthroughSchema = z
  .record(z.string().min(1), z.string())
  .default({})
  .describe(
    "Rare connector options not covered by a typed field, as raw Kafka Connect key -> string value. Keys a typed field renders are refused (set the typed field instead).",
  );

// Declared state and self-healing: one schema shared with the registrar and the sink-app's supervisor.
export { autoRestartSchema, connectorStateSchema } from "../../sink-app/src/connect/desired.js";

export const enabledSchema = z
  .boolean()
  .default(true)
  .describe("Deploy this connector. false keeps the file but removes the connector from Kafka Connect on the next deploy.");

/**
 * Which Kafka Connect keys a typed field renders. Used by the renderer and by the
 * passthrough check, so a passthrough key can never shadow a typed field even
 * when that field is unset.
 */
export interface KeyTable {
  /** Kafka Connect key -> typed field path (dotted) that renders it. */
  readonly keys: Readonly<Record<string, string>>;
  /** Key prefixes owned by typed fields (e.g. `transforms.` by `transforms`). */
  readonly prefixes: Readonly<Record<string, string>>;
}

/** The typed field a raw key belongs to, or undefined if the key is free for passthrough. */
export function typedFieldFor(table: KeyTable, key: string): string | undefined {
  const exact = table.keys[key];
  if (exact) return exact;
  for (const [prefix, field] of Object.entries(table.prefixes)) {
    if (key.startsWith(prefix)) return field;
  }
  return undefined;
}

/** Kafka Connect keys every connector of this package reserves for itself. */
export const COMMON_PREFIXES: Readonly<Record<string, string>> = {
  "transforms.": "transforms",
  "predicates.": "predicates",
  "meter-master.": "(ownership marker, set by the renderer)",
};

type RefineCtx = z.core.$RefinementCtx;

/** Cross-field rules shared by every connector: unique aliases, known predicates, no shadowing. */
export function refineCommon(
  cfg: {
    transforms: readonly { name: string; predicate?: string | undefined; negate?: boolean | undefined; config: Record<string, string> }[];
    predicates: readonly { name: string; config: Record<string, string> }[];
    passthrough: Record<string, string>;
  },
  ctx: RefineCtx,
  table: KeyTable,
  reserved: { transforms?: readonly string[]; predicates?: readonly string[] } = {},
): void {
  const seenT = new Set<string>(reserved.transforms ?? []);
  cfg.transforms.forEach((t, i) => {
    if (seenT.has(t.name)) {
      const why = reserved.transforms?.includes(t.name) ? " (the package adds a transform of that name itself)" : "";
      ctx.addIssue({ code: "custom", path: ["transforms", i, "name"], input: t.name, message: `a transform name not used twice${why}` });
    }
    seenT.add(t.name);
    if (t.negate !== undefined && t.predicate === undefined) {
      ctx.addIssue({ code: "custom", path: ["transforms", i, "negate"], input: t.negate, message: "`negate` only together with `predicate`" });
    }
    for (const k of ["type", "predicate", "negate"]) {
      if (k in t.config) {
        ctx.addIssue({
          code: "custom",
          path: ["transforms", i, "config", k],
          input: t.config[k],
          message: `\`${k}\` as the transform's own field, not inside \`config\``,
        });
      }
    }
  });
  const seenP = new Set<string>(reserved.predicates ?? []);
  cfg.predicates.forEach((p, i) => {
    if (seenP.has(p.name)) {
      ctx.addIssue({ code: "custom", path: ["predicates", i, "name"], input: p.name, message: "a predicate name not used twice (or reserved by the package)" });
    }
    seenP.add(p.name);
    if ("type" in p.config) {
      ctx.addIssue({ code: "custom", path: ["predicates", i, "config", "type"], input: p.config.type, message: "`type` as the predicate's own field, not inside `config`" });
    }
  });
  cfg.transforms.forEach((t, i) => {
    if (t.predicate !== undefined && !seenP.has(t.predicate)) {
      ctx.addIssue({
        code: "custom",
        path: ["transforms", i, "predicate"],
        input: t.predicate,
        message: `the name of a predicate declared in \`predicates\` (declared: ${[...seenP].join(", ") || "none"})`,
      });
    }
  });
  for (const key of Object.keys(cfg.passthrough)) {
    const field = typedFieldFor(table, key);
    if (field) {
      ctx.addIssue({
        code: "custom",
        path: ["passthrough", key],
        input: cfg.passthrough[key],
        message: `a key no typed field renders: "${key}" belongs to the typed field \`${field}\`; set it there, so it is validated`,
      });
    }
  }
}

/** Renders SMTs and predicates into Kafka Connect keys. */
export function renderTransforms(
  out: Record<string, string>,
  transforms: readonly { name: string; type: string; predicate?: string | undefined; negate?: boolean | undefined; config: Record<string, string> }[],
  predicates: readonly { name: string; type: string; config: Record<string, string> }[],
): void {
  if (transforms.length > 0) {
    out["transforms"] = transforms.map((t) => t.name).join(",");
    for (const t of transforms) {
      out[`transforms.${t.name}.type`] = t.type;
      if (t.predicate !== undefined) out[`transforms.${t.name}.predicate`] = t.predicate;
      if (t.negate !== undefined) out[`transforms.${t.name}.negate`] = String(t.negate);
      for (const [k, v] of Object.entries(t.config)) out[`transforms.${t.name}.${k}`] = v;
    }
  }
  if (predicates.length > 0) {
    out["predicates"] = predicates.map((p) => p.name).join(",");
    for (const p of predicates) {
      out[`predicates.${p.name}.type`] = p.type;
      for (const [k, v] of Object.entries(p.config)) out[`predicates.${p.name}.${k}`] = v;
    }
  }
}

export function renderErrors(out: Record<string, string>, errors: z.output<typeof errorsSchema>): void {
  out["errors.tolerance"] = errors.tolerance;
  out["errors.log.enable"] = String(errors.logEnable);
  out["errors.log.include.messages"] = String(errors.logIncludeMessages);
}
