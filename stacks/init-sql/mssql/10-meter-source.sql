-- Demo source database for the SQL Server meter system, with CDC enabled.
-- Run by entrypoint.sh through sqlcmd with -v DebeziumPassword=...; idempotent, so restarts are safe.
IF DB_ID(N'MeterSource') IS NULL CREATE DATABASE MeterSource;
GO
USE MeterSource;
GO
IF OBJECT_ID(N'dbo.Meters', N'U') IS NULL
CREATE TABLE dbo.Meters (
    MeterKey       INT IDENTITY(1,1) NOT NULL CONSTRAINT PK_Meters PRIMARY KEY,
    SerialNumber   NVARCHAR(40)      NOT NULL,
    MeterType      NVARCHAR(20)      NOT NULL,
    Status         NVARCHAR(20)      NOT NULL,
    CustomerRef    NVARCHAR(40)      NULL,
    Location       NVARCHAR(200)     NULL,
    InstalledAt    DATETIME2(3)      NULL,
    LastReading    DECIMAL(18,4)     NULL,
    LastReadingAt  DATETIMEOFFSET(3) NULL,
    IsSmart        BIT               NOT NULL CONSTRAINT DF_Meters_IsSmart DEFAULT (0)
);
GO
IF NOT EXISTS (SELECT 1 FROM dbo.Meters)
INSERT INTO dbo.Meters (SerialNumber, MeterType, Status, CustomerRef, Location, InstalledAt, LastReading, LastReadingAt, IsSmart)
VALUES
    (N'SM-ELX-40021', N'Electric', N'In Service', N'C-300412', N'221B Baker Street, London NW1 6XE', '2020-03-14T09:30:00.000', 73410.2500, '2026-11-01T06:00:00.000+00:00', 1),
    (N'SM-GAS-11873', N'Gas',      N'In Service', N'C-300977', N'Østergade 1, 1100 København',        '2017-11-02T14:05:00.000', 2210.0000,  '2026-11-01T07:00:00.000+01:00', 0),
    (N'SM-WTR-00931', N'Water',    N'Retired',    NULL,        NULL,                                  '2009-06-01T00:00:00.000', 18.5000,    '2022-01-01T00:00:00.000+00:00', 0);
GO
IF (SELECT is_cdc_enabled FROM sys.databases WHERE name = N'MeterSource') = 0
    EXEC sys.sp_cdc_enable_db;
GO
IF NOT EXISTS (SELECT 1 FROM sys.tables WHERE object_id = OBJECT_ID(N'dbo.Meters') AND is_tracked_by_cdc = 1)
    EXEC sys.sp_cdc_enable_table @source_schema = N'dbo', @source_name = N'Meters', @role_name = NULL, @supports_net_changes = 0;
GO
-- The capture job polls every 5 s by default; 1 s makes changes arrive within about a second.
EXEC sys.sp_cdc_change_job @job_type = N'capture', @pollinginterval = 1;
EXEC sys.sp_cdc_stop_job @job_type = N'capture';
EXEC sys.sp_cdc_start_job @job_type = N'capture';
GO
USE master;
GO
IF SUSER_ID(N'debezium') IS NULL
    CREATE LOGIN debezium WITH PASSWORD = N'$(DebeziumPassword)', CHECK_POLICY = OFF;
ELSE
    ALTER LOGIN debezium WITH PASSWORD = N'$(DebeziumPassword)';
GRANT VIEW SERVER STATE TO debezium;
GO
USE MeterSource;
GO
IF USER_ID(N'debezium') IS NULL CREATE USER debezium FOR LOGIN debezium;
ALTER ROLE db_datareader ADD MEMBER debezium;
GRANT SELECT ON SCHEMA::cdc TO debezium;
GRANT VIEW DATABASE STATE TO debezium;
GO
