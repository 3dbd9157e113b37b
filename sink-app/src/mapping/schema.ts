// The typed per-source Meter Master mapping (connector-configs/meter-master.ts). Pure data, so
// the deployment can render it into the sink-app's runtime config file.

import { z } from "zod";
import { isKnownTimeZone } from "../decode/time.js";
import { parseOrThrow, refineSourceNameKeys, SOURCE_NAME, SourceNameSchema } from "../validation.js";

// One source-name rule for every config file.
export { SOURCE_NAME, SourceNameSchema };

/** How to read a value from a schema-less event (value.converter.schemas.enable=false). */
export const EncodingSchema = z
  .enum(["epoch-days", "epoch-millis", "epoch-micros", "epoch-nanos", "iso", "decimal-bytes", "decimal-text", "number"])
  .describe(
    "how the value is encoded when events carry no Connect schema: epoch-days (io.debezium.time.Date), " +
      "epoch-millis/-micros/-nanos (Timestamp/MicroTimestamp/NanoTimestamp), iso (ISO-8601 text), " +
      "decimal-bytes (decimal.handling.mode=precise; needs scale), decimal-text (mode string), number (mode double). " +
      "Ignored when the event carries its schema, which always wins.",
  );

const TimeZoneSchema = z
  .string()
  .refine(isKnownTimeZone, "an IANA time zone name such as UTC or Europe/Berlin")
  .describe("time zone in which zone-less source timestamps (MySQL DATETIME, SQL Server DATETIME2, Oracle DATE) were written");

export const ColumnRuleObjectSchema = z
  .object({
    from: z.string().min(1).describe("source column name, exactly as it appears in the Debezium event"),
    trim: z.boolean().default(false).describe("trim surrounding whitespace (text columns)"),
    case: z.enum(["upper", "lower"]).optional().describe("convert letter case (text columns)"),
    values: z
      .record(z.string(), z.string().nullable())
      .optional()
      .describe('value map applied after trim/case, keyed by the value\'s text: {"1": "active", "0": "inactive"}'),
    unmappedValue: z
      .enum(["error", "keep", "null"])
      .default("error")
      .describe("when `values` has no entry: error (event goes to the dead letter topic), keep the text, or null"),
    ifNull: z.string().nullable().default(null).describe("value written when the source value is null or absent"),
    encoding: EncodingSchema.optional(),
    scale: z.number().int().min(0).max(38).optional().describe("decimal scale, needed with encoding decimal-bytes"),
    timezone: TimeZoneSchema.default("UTC"),
  })
  .strict();

export const ConstantRuleSchema = z.object({ const: z.string().nullable().describe("fixed value for every row of this source") }).strict();

export const ColumnRuleSchema = z
  .union([z.string().min(1).describe("source column name (shorthand for { from })"), ColumnRuleObjectSchema, ConstantRuleSchema])
  .describe("where a Meter Master column's value comes from");

export type ColumnRule = z.output<typeof ColumnRuleSchema>;
export type ColumnRuleObject = z.output<typeof ColumnRuleObjectSchema>;

/** Meter Master columns a mapping can fill, with the type each one stores. */
export const MAPPED_COLUMNS = {
  meter_id: "text",
  meter_type: "text",
  status: "text",
  customer_ref: "text",
  location: "text",
  installed_at: "date",
  last_reading: "decimal",
  last_reading_at: "timestamptz",
} as const;
export type MappedColumn = keyof typeof MAPPED_COLUMNS;
export type TargetType = (typeof MAPPED_COLUMNS)[MappedColumn];
type Encoding = z.output<typeof EncodingSchema>;

const TIME_ENCODINGS: readonly Encoding[] = ["epoch-days", "epoch-millis", "epoch-micros", "epoch-nanos", "iso"];
const DECIMAL_ENCODINGS: readonly Encoding[] = ["decimal-bytes", "decimal-text", "number"];
/** The encodings a value may be read with for each Meter Master column type (text takes any: it is the value's text). */
export const ENCODINGS_FOR: Readonly<Record<TargetType, readonly Encoding[] | "any">> = {
  text: "any",
  date: TIME_ENCODINGS,
  timestamptz: TIME_ENCODINGS,
  decimal: DECIMAL_ENCODINGS,
};

export const AttributeRuleSchema = z
  .object({
    as: z
      .enum(["auto", "text", "boolean", "integer", "decimal", "date", "timestamp", "json"])
      .default("auto")
      .describe("type written into attributes; boolean turns MySQL TINYINT(1)/SQL Server BIT 0/1 into false/true"),
    encoding: EncodingSchema.optional(),
    scale: z.number().int().min(0).max(38).optional().describe("decimal scale, needed with encoding decimal-bytes"),
    timezone: TimeZoneSchema.default("UTC"),
  })
  .strict();
export type AttributeRule = z.output<typeof AttributeRuleSchema>;

/** The encodings that fit each attribute type (`auto`, `text`, `boolean` and `json` take any). */
const ATTRIBUTE_ENCODINGS: Readonly<Record<AttributeRule["as"], readonly Encoding[] | "any">> = {
  auto: "any",
  text: "any",
  boolean: "any",
  json: "any",
  integer: ["number", "decimal-text", "decimal-bytes"],
  decimal: DECIMAL_ENCODINGS,
  date: TIME_ENCODINGS,
  timestamp: TIME_ENCODINGS,
};

export const AttributesSchema = z
  .object({
    include: z
      .union([z.literal("unmapped"), z.array(z.string().min(1))])
      .default("unmapped")
      .describe('"unmapped" = every source column that neither `key` nor `columns` names; or an explicit list'),
    exclude: z.array(z.string().min(1)).default([]).describe("source columns never copied into attributes"),
    convert: z.record(z.string(), AttributeRuleSchema).default({}).describe("per-column conversion of attribute values"),
  })
  .strict();

const columnsShape = Object.fromEntries(
  (Object.keys(MAPPED_COLUMNS) as MappedColumn[]).map((c) => [
    c,
    c === "meter_id"
      ? ColumnRuleSchema.describe("meter serial number (required)")
      : ColumnRuleSchema.optional().describe(`source of ${c} (${MAPPED_COLUMNS[c]}); null when omitted`),
  ]),
) as { meter_id: typeof ColumnRuleSchema } & { [K in Exclude<MappedColumn, "meter_id">]: z.ZodOptional<typeof ColumnRuleSchema> };

export const SourceMappingSchema = z
  .object({
    table: z
      .string()
      .min(1)
      .describe(
        "captured table as named in the topic after the prefix: public.meters (PostgreSQL), meterdb.meter_registry (MySQL), " +
          "MeterSource.dbo.Meters (SQL Server), METERS.METER_ASSETS (Oracle). Events from another table are rejected.",
      ),
    key: z.array(z.string().min(1)).min(1).describe('primary key columns in order; source_key is the value (one column) or a JSON array like ["NYC","M-1001"]'),
    columns: z
      .strictObject(columnsShape, {
        error: (iss) => (iss.code === "unrecognized_keys" ? `a Meter Master column: ${Object.keys(MAPPED_COLUMNS).join(", ")}` : undefined),
      })
      .describe("Meter Master column -> source column and conversion"),
    attributes: AttributesSchema.default({ include: "unmapped", exclude: [], convert: {} }),
  })
  .strict()
  .superRefine((m, ctx) => {
    for (const [column, rule] of Object.entries(m.columns) as Array<[MappedColumn, ColumnRule | undefined]>) {
      if (rule === undefined || typeof rule === "string" || "const" in rule) continue;
      const target = MAPPED_COLUMNS[column];
      if (target !== "text") {
        for (const k of ["trim", "case", "values"] as const) {
          // trim defaults to false: only a value the user set counts
          const set = k === "trim" ? rule.trim : rule[k] !== undefined;
          if (set) {
            ctx.addIssue({
              code: "custom",
              path: ["columns", column, k],
              input: rule[k],
              message: `no ${k}: trim, case and values apply to text columns only, and ${column} is ${target}`,
            });
          }
        }
      }
      const fits = ENCODINGS_FOR[target];
      if (rule.encoding !== undefined && fits !== "any" && !fits.includes(rule.encoding)) {
        ctx.addIssue({
          code: "custom",
          path: ["columns", column, "encoding"],
          input: rule.encoding,
          message: `an encoding that gives a ${target} for ${column}: ${fits.join(", ")}`,
        });
      }
      if (rule.encoding === "decimal-bytes" && rule.scale === undefined) {
        ctx.addIssue({ code: "custom", path: ["columns", column, "scale"], message: "the column's scale: encoding decimal-bytes needs it" });
      }
    }
    for (const [column, rule] of Object.entries(m.attributes.convert)) {
      const fits = ATTRIBUTE_ENCODINGS[rule.as];
      if (rule.encoding !== undefined && fits !== "any" && !fits.includes(rule.encoding)) {
        ctx.addIssue({
          code: "custom",
          path: ["attributes", "convert", column, "encoding"],
          input: rule.encoding,
          message: `an encoding that gives ${rule.as === "integer" ? "an" : "a"} ${rule.as}: ${fits.join(", ")}`,
        });
      }
      if (rule.encoding === "decimal-bytes" && rule.scale === undefined) {
        ctx.addIssue({ code: "custom", path: ["attributes", "convert", column, "scale"], message: "the column's scale: encoding decimal-bytes needs it" });
      }
    }
  });

export type SourceMapping = z.output<typeof SourceMappingSchema>;
export type SourceMappingInput = z.input<typeof SourceMappingSchema>;

export const MeterMasterMappingSchema = z
  .object({
    sources: z
      .record(z.string(), SourceMappingSchema)
      // names checked here rather than as the record's key schema, so the message names the key
      .superRefine(refineSourceNameKeys, { when: () => true })
      .describe("one mapping per source system, keyed by source name"),
  })
  .strict();

export type MeterMasterMapping = z.output<typeof MeterMasterMappingSchema>;
export type MeterMasterMappingInput = z.input<typeof MeterMasterMappingSchema>;

/**
 * Typed identity for connector-configs/meter-master.ts: the editor checks the shape, and
 * parseMeterMasterMapping validates it (with file, path and expectation on failure).
 */
export function defineMeterMasterMapping(mapping: MeterMasterMappingInput): MeterMasterMappingInput {
  return mapping;
}

export function parseMeterMasterMapping(value: unknown, file: string): MeterMasterMapping {
  return parseOrThrow(MeterMasterMappingSchema, value, file);
}

export function parseSourceMapping(value: unknown, file: string): SourceMapping {
  return parseOrThrow(SourceMappingSchema, value, file);
}
