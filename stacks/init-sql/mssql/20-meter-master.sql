-- Target database for the unified Meter Master table, and the login the sink-app writes with.
-- The sink-app creates the table itself (so an external target works the same way).
IF DB_ID(N'MeterMaster') IS NULL CREATE DATABASE MeterMaster;
GO
USE master;
GO
IF SUSER_ID(N'meter_master_writer') IS NULL
    CREATE LOGIN meter_master_writer WITH PASSWORD = N'$(MeterMasterPassword)', CHECK_POLICY = OFF, DEFAULT_DATABASE = MeterMaster;
ELSE
    ALTER LOGIN meter_master_writer WITH PASSWORD = N'$(MeterMasterPassword)';
GO
USE MeterMaster;
GO
IF USER_ID(N'meter_master_writer') IS NULL CREATE USER meter_master_writer FOR LOGIN meter_master_writer;
ALTER ROLE db_ddladmin ADD MEMBER meter_master_writer;
ALTER ROLE db_datareader ADD MEMBER meter_master_writer;
ALTER ROLE db_datawriter ADD MEMBER meter_master_writer;
GO
