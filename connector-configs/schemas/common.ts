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
    type: javaClassSchema.describe("Predicate class, e.g. org.apache.kafka.connect.transforms.predicates.TopicNameMatches or ...predicates.RecordIsTombstone."),
    config: stringMapSchema.default({}).describe("The predicate's own options, without the `predicates.<name>.` prefix."),
  })
  .strict()
  .describe("A Kafka Connect predicate (KIP-585), rendered as predicates.<name>.*.");

export const transformSchema = z
  .object({
    name: aliasSchema.describe("Transform alias; the order in the list is the order applied."),
    type: javaClassSchema.describe("SMT class, e.g. io.debezium.transforms.ExtractNewRecordState or org.apache.kafka.connect.transforms.Filter."),
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
    logEnable: z.boolean().default(false).describe("errors.log.enable: log each failed operation and problem record. Kafka Connect default: false."),
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

// ---------------------------------------------------------------- typed key declarations
//
// Each connector kind declares, once, which Kafka Connect key each typed field renders
// (`declareKeys`). The declaration is typed against the schema's parsed type: a misspelled
// field is a compile error, and so is a field that neither renders a key nor says in
// `unrendered` why not. The renderer writes the keys in declaration order, and the passthrough
// check refuses every key the declaration renders or reserves.

type Scalar = string | number | boolean | undefined;

/** Values rendered whole, never walked into: scalars, lists, string maps and secret references. */
type Leaf = string | number | boolean | bigint | null | undefined | readonly unknown[] | SecretRefShape;
type SecretRefShape = { env: string } | { file: string; key: string };
type IsLeaf<V> = [NonNullable<V>] extends [Leaf] ? true : string extends keyof NonNullable<V> ? true : false;

/** Every dotted path from `T` to a value the renderer writes whole (e.g. "connection.port"). */
export type FieldPath<T> = {
  [K in keyof T & string]-?: IsLeaf<T[K]> extends true ? K : `${K}.${FieldPath<NonNullable<T[K]>>}`;
}[keyof T & string];

/** Like FieldPath, and also the objects on the way (e.g. "autoRestart" as well as "autoRestart.enabled"). */
export type AnyPath<T> = {
  [K in keyof T & string]-?: IsLeaf<T[K]> extends true ? K : K | `${K}.${AnyPath<NonNullable<T[K]>>}`;
}[keyof T & string];

/** The type at a dotted path; undefined when an object on the way may be absent. */
export type ValueAt<T, P extends string> = P extends `${infer K}.${infer R}`
  ? K extends keyof NonNullable<T>
    ? ValueAt<NonNullable<T>[K], R> | Extract<T, undefined>
    : never
  : P extends keyof NonNullable<T>
    ? NonNullable<T>[P] | Extract<T, undefined>
    : never;

/** What rendering knows beyond the config: who owns the connector, whether its database is the user's own. */
export interface KeyRenderContext {
  owner: string;
  external: boolean;
}

/** One key from one field: the value itself (String()), or what `render` makes of it; undefined writes nothing. */
type OneKey<C> = {
  [P in FieldPath<C>]: { field: P; fields?: never; render?: (value: ValueAt<C, P>, cfg: C, ctx: KeyRenderContext) => Scalar };
}[FieldPath<C>];

/** Several keys from some fields (lists of SMTs, converters, the passthrough), written together. */
interface KeyGroup<C> {
  field?: never;
  fields: readonly FieldPath<C>[];
  render: (cfg: C, ctx: KeyRenderContext) => Readonly<Record<string, string>>;
  /** Keys under this prefix belong to the group (e.g. `transforms.`). */
  prefix?: string;
  /** The entry's name is a label, not a key (the passthrough's free keys). */
  free?: true;
}

/** How a key is rendered: a field path (its value as a string), one field with a render function, or a group. */
export type KeySpec<C> = FieldPath<C> | OneKey<C> | KeyGroup<C>;

export interface KeyDeclaration<C> {
  /** Kafka Connect key -> how it is rendered, in the order the rendered config lists them. */
  readonly keys: Readonly<Record<string, KeySpec<C>>>;
  /** Typed fields (or whole objects of them) that render no key, each with the reason. */
  readonly unrendered: Readonly<Partial<Record<AnyPath<C>, string>>>;
  /** Other keys (spellings, prefixes) a passthrough may not use, with the field they belong to. */
  readonly reserved?: { readonly keys?: Readonly<Record<string, string>>; readonly prefixes?: Readonly<Record<string, string>> };
}

type SpecFields<S> = S extends string ? S : S extends { field: infer F } ? F : S extends { fields: readonly (infer F)[] } ? F : never;
type Unrendered<D> = D extends { unrendered: infer U } ? keyof U & string : never;
type Declared<D> = D extends { keys: infer K } ? { [k in keyof K]: SpecFields<K[k]> }[keyof K] : never;
/** The typed fields of `C` a declaration forgot. */
export type UndeclaredFields<C, D> = Exclude<FieldPath<C>, Declared<D> | Unrendered<D> | `${Unrendered<D>}.${string}`>;

/**
 * Declares the Kafka Connect keys of a connector kind whose parsed config is `C`; fails to
 * compile on a field `C` does not have and on a field of `C` the declaration leaves out.
 */
export function declareKeys<C>() {
  return <const D extends KeyDeclaration<C>>(
    declaration: D &
      ([UndeclaredFields<C, D>] extends [never] ? unknown : { "every typed field needs a key, or a reason in `unrendered`": UndeclaredFields<C, D> }),
  ): KeyDeclaration<C> => declaration;
}

function valueAt(cfg: unknown, path: string): unknown {
  let v: unknown = cfg;
  for (const part of path.split(".")) {
    if (v === null || typeof v !== "object") return undefined;
    v = (v as Record<string, unknown>)[part];
  }
  return v;
}

const isGroup = <C>(spec: KeySpec<C>): spec is KeyGroup<C> => typeof spec === "object" && spec.fields !== undefined;
/** The field a one-key spec reads. */
const fieldOf = <C>(spec: FieldPath<C> | OneKey<C>): string => (typeof spec === "string" ? spec : (spec as { field: string }).field);

/** The flat Kafka Connect config a declaration renders from a parsed config, in declaration order. */
export function renderKeys<C>(declaration: KeyDeclaration<C>, cfg: C, ctx: KeyRenderContext): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, spec] of Object.entries(declaration.keys) as [string, KeySpec<C>][]) {
    if (isGroup(spec)) {
      Object.assign(out, spec.render(cfg, ctx));
      continue;
    }
    const raw = valueAt(cfg, fieldOf(spec));
    const render = typeof spec === "string" ? undefined : (spec.render as ((v: unknown, c: C, x: KeyRenderContext) => Scalar) | undefined);
    const value = render ? render(raw, cfg, ctx) : (raw as Scalar);
    if (value !== undefined) out[key] = String(value);
  }
  return out;
}

/**
 * Which Kafka Connect keys a typed field renders. Used by the passthrough check, so a
 * passthrough key can never shadow a typed field even when that field is unset.
 */
export interface KeyTable {
  /** Kafka Connect key -> typed field path (dotted) that renders it. */
  readonly keys: Readonly<Record<string, string>>;
  /** Key prefixes owned by typed fields (e.g. `transforms.` by `transforms`). */
  readonly prefixes: Readonly<Record<string, string>>;
}

/** The passthrough check's view of a declaration: every key it renders or reserves. */
export function keyTableOf<C>(declaration: KeyDeclaration<C>): KeyTable {
  const keys: Record<string, string> = {};
  const prefixes: Record<string, string> = { ...COMMON_PREFIXES };
  for (const [key, spec] of Object.entries(declaration.keys) as [string, KeySpec<C>][]) {
    if (!isGroup(spec)) keys[key] = fieldOf(spec);
    else {
      const owner = spec.fields.join(", ");
      if (!spec.free) keys[key] = owner;
      if (spec.prefix) prefixes[spec.prefix] = owner;
    }
  }
  Object.assign(keys, declaration.reserved?.keys);
  Object.assign(prefixes, declaration.reserved?.prefixes);
  return { keys, prefixes };
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
      ctx.addIssue({
        code: "custom",
        path: ["predicates", i, "config", "type"],
        input: p.config.type,
        message: "`type` as the predicate's own field, not inside `config`",
      });
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

type TransformOut = { name: string; type: string; predicate?: string | undefined; negate?: boolean | undefined; config: Record<string, string> };
type PredicateOut = { name: string; type: string; config: Record<string, string> };

/** The `transforms` list and each SMT's `transforms.<name>.*` keys. */
export function transformKeys(transforms: readonly TransformOut[]): Record<string, string> {
  const out: Record<string, string> = {};
  if (transforms.length === 0) return out;
  out.transforms = transforms.map((t) => t.name).join(",");
  for (const t of transforms) {
    out[`transforms.${t.name}.type`] = t.type;
    if (t.predicate !== undefined) out[`transforms.${t.name}.predicate`] = t.predicate;
    if (t.negate !== undefined) out[`transforms.${t.name}.negate`] = String(t.negate);
    for (const [k, v] of Object.entries(t.config)) out[`transforms.${t.name}.${k}`] = v;
  }
  return out;
}

/** The `predicates` list and each predicate's `predicates.<name>.*` keys. */
export function predicateKeys(predicates: readonly PredicateOut[]): Record<string, string> {
  const out: Record<string, string> = {};
  if (predicates.length === 0) return out;
  out.predicates = predicates.map((p) => p.name).join(",");
  for (const p of predicates) {
    out[`predicates.${p.name}.type`] = p.type;
    for (const [k, v] of Object.entries(p.config)) out[`predicates.${p.name}.${k}`] = v;
  }
  return out;
}
