// The Meter Master database and login that stacks/init-sql/mssql/20-meter-master.sql creates on
// the embedded SQL Server. Its own module, so tools (verify) read it without loading the stack.
export const EMBEDDED_METER_MASTER = { database: "MeterMaster", user: "meter_master_writer", passwordEnv: "MSSQL_METER_MASTER_PASSWORD" } as const;
