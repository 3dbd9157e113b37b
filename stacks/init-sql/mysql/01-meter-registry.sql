-- Demo source table for the MySQL meter system (also valid on MariaDB 10.11).
-- Runs once, in database meterdb, when the embedded container initialises an empty volume.
CREATE TABLE IF NOT EXISTS meter_registry (
    region_code    CHAR(3)        NOT NULL,
    meter_no       VARCHAR(32)    NOT NULL,
    meter_kind     ENUM('ELECTRIC','GAS','WATER') NOT NULL,
    status_code    TINYINT        NOT NULL DEFAULT 1 COMMENT '1 active, 0 inactive, 9 removed',
    account_no     VARCHAR(20)    NULL,
    site_address   VARCHAR(255)   NULL,
    install_date   DATE           NULL,
    last_read_kwh  DECIMAL(12,2)  NULL,
    last_read_time DATETIME(3)    NULL COMMENT 'UTC',
    notes          TEXT           NULL,
    PRIMARY KEY (region_code, meter_no)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

INSERT IGNORE INTO meter_registry
    (region_code, meter_no, meter_kind, status_code, account_no, site_address, install_date, last_read_kwh, last_read_time, notes)
VALUES
    ('NYC', 'M-1001',   'ELECTRIC', 1, 'ACC-552100', '350 5th Ave, New York, NY 10118', '2018-07-11', 55021.75, '2026-11-01 05:00:00.000', NULL),
    ('NYC', 'M-1002',   'GAS',      1, 'ACC-552101', '1 Wall St, New York, NY 10005',   '2020-02-29', 1200.00,  '2026-11-01 05:00:00.250', 'Meter behind locked gate — call ahead'),
    ('BOS', 'M-0077',   'WATER',    0, NULL,         NULL,                              '2012-10-01', 3.50,     '2023-12-31 23:59:59.999', NULL),
    ('SEA', 'M-9000-X', 'ELECTRIC', 9, 'ACC-000009', '400 Broad St, Seattle, WA 98109', '2016-05-05', 99999.99, '2025-06-30 12:00:00.000', 'Removed: replaced by M-9001');

-- Debezium's signal table (signalDataCollection in connector-configs/sources/mysql.ts):
-- `npm run connectors -- resync` inserts execute-snapshot signals here, and the connector writes
-- its incremental snapshot watermarks here (02-debezium-user.sh grants the debezium login INSERT).
CREATE TABLE IF NOT EXISTS debezium_signal (
    id   VARCHAR(42)   NOT NULL PRIMARY KEY,
    type VARCHAR(32)   NOT NULL,
    data VARCHAR(2048) NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
