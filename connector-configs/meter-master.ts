// How each source table becomes Meter Master rows. Edit this file to map your own tables.
//
// Per Meter Master column: the source column (`from`), and optionally trim/case, a value map
// (`values`), and how to read the value when events are written without their Connect schema
// (`encoding`, `scale`, `timezone`). When an event carries its schema, the schema decides how a
// value is read and `encoding`/`scale` are ignored. Source columns no rule names (and that are not
// key columns) are copied into the `attributes` JSON column. Hover a field in your editor for its
// description and default (from sink-app/src/mapping/schema.ts).
//
// Check a mapping before deploying:
//   npm run map-event -- --source mysql < test/fixtures/debezium/mysql/update.json

import { defineMeterMasterMapping } from "./define.js";

export default defineMeterMasterMapping({
  sources: {
    // PostgreSQL meters.public.meters
    postgres: {
      table: "public.meters",
      key: ["id"],
      columns: {
        meter_id: { from: "serial_no", trim: true },
        meter_type: { from: "kind", trim: true, case: "upper" },
        status: { from: "state", trim: true, case: "lower" },
        customer_ref: { from: "customer_id", trim: true },
        location: "address",
        installed_at: { from: "installed_on", encoding: "epoch-days" },
        last_reading: { from: "last_value", encoding: "decimal-bytes", scale: 3 },
        last_reading_at: { from: "last_value_at", encoding: "iso" },
      },
      // tags (jsonb), external_ref (uuid) and smart (boolean) land in attributes
    },

    // MySQL / MariaDB meterdb.meter_registry (composite key, numeric status codes)
    mysql: {
      table: "meterdb.meter_registry",
      key: ["region_code", "meter_no"],
      columns: {
        meter_id: { from: "meter_no", trim: true },
        meter_type: { from: "meter_kind", case: "upper" },
        status: { from: "status_code", values: { "1": "active", "0": "inactive", "9": "removed" } },
        customer_ref: { from: "account_no", trim: true },
        location: "site_address",
        installed_at: { from: "install_date", encoding: "epoch-days" },
        last_reading: { from: "last_read_kwh", encoding: "decimal-bytes", scale: 2 },
        // DATETIME(3) has no zone; the application writes UTC
        last_reading_at: { from: "last_read_time", encoding: "epoch-millis", timezone: "UTC" },
      },
      attributes: { include: "unmapped", exclude: [], convert: {} },
    },

    // SQL Server MeterSource.dbo.Meters
    mssql: {
      table: "MeterSource.dbo.Meters",
      key: ["MeterKey"],
      columns: {
        meter_id: { from: "SerialNumber", trim: true },
        meter_type: { from: "MeterType", trim: true, case: "upper" },
        status: {
          from: "Status",
          trim: true,
          case: "lower",
          values: { active: "active", inactive: "inactive", removed: "removed", decommissioned: "removed" },
          unmappedValue: "keep",
        },
        customer_ref: { from: "CustomerRef", trim: true },
        location: "Location",
        // DATETIME2 has no zone; the date part is the installation date
        installed_at: { from: "InstalledAt", encoding: "epoch-millis" },
        last_reading: { from: "LastReading", encoding: "decimal-bytes", scale: 4 },
        last_reading_at: { from: "LastReadingAt", encoding: "iso" },
      },
      attributes: { include: "unmapped", exclude: [], convert: { IsSmart: { as: "boolean", timezone: "UTC" } } },
    },

    // Oracle FREEPDB1 METERS.METER_ASSETS
    oracle: {
      table: "METERS.METER_ASSETS",
      key: ["ASSET_ID"],
      columns: {
        meter_id: { from: "METER_SERIAL", trim: true },
        meter_type: { from: "METER_CLASS", trim: true, case: "upper" },
        status: {
          from: "LIFECYCLE_STATE",
          trim: true,
          case: "lower",
          values: {
            active: "active",
            in_service: "active",
            inactive: "inactive",
            out_of_service: "inactive",
            removed: "removed",
            retired: "removed",
          },
          unmappedValue: "keep",
        },
        customer_ref: { from: "CUSTOMER_NO", trim: true },
        location: "PREMISE_ADDR",
        // Oracle DATE carries a time of day; Debezium sends it as a zone-less timestamp
        installed_at: { from: "INSTALL_DT", encoding: "epoch-millis" },
        last_reading: { from: "LAST_READ_VAL", encoding: "decimal-bytes", scale: 3 },
        last_reading_at: { from: "LAST_READ_TS", encoding: "iso" },
      },
    },
  },
});
