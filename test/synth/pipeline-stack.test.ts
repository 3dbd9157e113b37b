import { Testing } from "cdktf";
import { describe, expect, it } from "vitest";
import { PRODUCER_COMPRESSION } from "../../scripts/test-env/connect.js";
import { REQUIRED_PLUGINS } from "../../stacks/constructs/kafka-connect.js";
import { address, container, containerNames, containers, POSTGRES_CONNECTOR, synth, uploaded } from "./synth-helpers.js";

const LONG_RUNNING = ["mssql", "oracle", "mysql", "postgres", "kafka", "connect", "sink-app", "demo-api"];

describe("the default deployment", () => {
  const { json, raw } = synth();

  it("declares every component as a container on one network", () => {
    expect(containerNames(json)).toEqual([...LONG_RUNNING, "registrar"].map((c) => `meter-master-${c}`).sort());
    expect(Testing.toHaveResourceWithProperties(raw, "docker_network", { name: "meter-master" })).toBe(true);
    for (const c of Object.values(containers(json))) {
      expect(c.networks_advanced[0].name).toBe("${docker_network.network.name}");
    }
  });

  it("reaches each service by its component name on the network", () => {
    for (const component of LONG_RUNNING) {
      expect(container(json, component).networks_advanced[0].aliases).toEqual([component]);
    }
  });

  it("pulls the documented upstream images and keeps them on destroy", () => {
    const images = Object.values(json.resource.docker_image) as any[];
    const pulled = images.filter((i) => !i.build).map((i) => [i.name, i.keep_locally]);
    expect(pulled).toEqual(
      expect.arrayContaining([
        ["mcr.microsoft.com/mssql/server:2022-latest", true],
        ["gvenzl/oracle-free:23-slim", true],
        ["mysql:8.4", true],
        ["postgres:16", true],
        ["apache/kafka:4.1.1", true],
      ]),
    );
  });

  it("builds Kafka Connect from the Debezium image with the Aiven sink and the Oracle JDBC driver, and removes it on destroy", () => {
    const image = (Object.values(json.resource.docker_image) as any[]).find((i) => i.name === "meter-master/kafka-connect:local");
    expect(image.keep_locally).toBe(false);
    expect(image.build.build_args).toEqual({
      BASE_IMAGE: "quay.io/debezium/connect:3.5.0.Final",
      AIVEN_HTTP_SINK_VERSION: "0.8.0",
      AIVEN_HTTP_SINK_SHA256: "",
      OJDBC_VERSION: "23.26.4.0.0",
      OJDBC_SHA256: "df977e9291499cd4ceee7d577462c285987dd2ad0216637c0865eb98956a9e6e",
    });
    expect(image.build.context).toMatch(/stacks\/images\/kafka-connect$/);
    expect(image.triggers.source_sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it("builds one sink-app image from the repository root that runs the sink-app, the registrar and the demo API", () => {
    const image = (Object.values(json.resource.docker_image) as any[]).find((i) => i.name === "meter-master/sink-app:local");
    expect(image.keep_locally).toBe(false);
    expect(image.build.dockerfile).toBe("sink-app/Dockerfile");
    const imageRef = "${docker_image.sink-app-image";
    for (const c of ["sink-app", "registrar", "demo-api"]) {
      expect(container(json, c).image.startsWith(imageRef)).toBe(true);
    }
    expect(container(json, "registrar").command).toEqual(["node", "sink-app/dist/connect/registrar-main.js"]);
    // the image's own CMD, so the V8 flags sink-app/Dockerfile gives there are the ones deployed
    expect(container(json, "sink-app").command).toBeUndefined();
  });

  it("gates every long-running container on a health check that Terraform waits for", () => {
    for (const component of LONG_RUNNING) {
      const c = container(json, component);
      expect(c.healthcheck, component).toBeDefined();
      expect(c.healthcheck.test.length, component).toBeGreaterThan(0);
      expect(c.wait, component).toBe(true);
      expect(c.wait_timeout, component).toBeGreaterThanOrEqual(60);
    }
  });

  it("checks PostgreSQL and MySQL over TCP to 127.0.0.1, where the init-time temporary server does not listen", () => {
    expect(container(json, "postgres").healthcheck.test).toEqual(["CMD-SHELL", "pg_isready -h 127.0.0.1 -p 5432 -U postgres -d meters"]);
    expect(container(json, "mysql").healthcheck.test[1]).toMatch(/^mysqladmin ping -h 127\.0\.0\.1 -P 3306 /);
  });

  it("counts SQL Server ready only when SQL Server Agent runs and CDC is enabled on the demo table", () => {
    const mssql = container(json, "mssql");
    expect(mssql.env).toContain("MSSQL_AGENT_ENABLED=true");
    expect(mssql.healthcheck.test).toEqual(["CMD", "/opt/meter-master/healthcheck.sh", "dbo.Meters"]);
    const script = uploaded(mssql, "/opt/meter-master/healthcheck.sh");
    expect(script).toContain("/opt/mssql-tools18/bin/sqlcmd");
    expect(script).toMatch(/sqlcmd -S 127\.0\.0\.1 -U sa -C -b/);
    expect(script).toContain("SQLAgent%");
    expect(script).toContain("is_tracked_by_cdc = 1");
    expect(uploaded(mssql, "/opt/meter-master/init/10-meter-source.sql")).toContain("@pollinginterval = 1");
  });

  it("gives Oracle an explicit health check that also waits for archive log mode and the demo table", () => {
    const oracle = container(json, "oracle");
    expect(oracle.healthcheck.test).toEqual(["CMD", "/opt/meter-master/healthcheck.sh"]);
    const script = uploaded(oracle, "/opt/meter-master/healthcheck.sh");
    expect(script).toContain("healthcheck.sh >/dev/null");
    expect(script).toContain("LOG_MODE=ARCHIVELOG");
    expect(uploaded(oracle, "/container-entrypoint-initdb.d/01-logminer.sh")).toContain("ALTER DATABASE ARCHIVELOG");
  });

  it("reads Kafka's broker check output, since kafka-broker-api-versions exits 0 on error", () => {
    const test = container(json, "kafka").healthcheck.test;
    expect(test[0]).toBe("CMD-SHELL");
    expect(test[1]).toMatch(/kafka-broker-api-versions\.sh .*\| grep -q/);
  });

  it("counts Kafka Connect ready only when the Debezium and Aiven plugins are listed", () => {
    const test = container(json, "connect").healthcheck.test[1] as string;
    expect(test).toContain("curl -fsS http://localhost:8083/connector-plugins");
    for (const plugin of REQUIRED_PLUGINS) expect(test).toContain(plugin);
  });

  it("passes connector secrets by config provider and lets HTTP sinks name their consumer group", () => {
    const env = container(json, "connect").env as string[];
    expect(env).toContain("CONNECT_CONFIG_PROVIDERS=env,file");
    expect(env).toContain("CONNECT_CONFIG_PROVIDERS_ENV_CLASS=org.apache.kafka.common.config.provider.EnvVarConfigProvider");
    expect(env).toContain("CONNECT_CONNECTOR_CLIENT_CONFIG_OVERRIDE_POLICY=All");
    expect(env).toContain("POSTGRES_DEBEZIUM_PASSWORD=${var.postgres_debezium_password}");
    expect(env).toContain("MYSQL_DEBEZIUM_PASSWORD=${var.mysql_debezium_password}");
  });

  it("has Connect's producers write lz4 record batches, as the test environment's worker does", () => {
    expect(container(json, "connect").env as string[]).toContain(`CONNECT_PRODUCER_COMPRESSION_TYPE=${PRODUCER_COMPRESSION}`);
  });

  it("starts in dependency order: databases and Kafka, then Connect, then the registrar, then the sink-app", () => {
    expect(container(json, "connect").depends_on).toContain(address(json, "kafka"));
    const registrar = container(json, "registrar").depends_on as string[];
    for (const c of ["connect", "mssql", "oracle", "mysql", "postgres"]) expect(registrar).toContain(address(json, c));
    const sinkApp = container(json, "sink-app").depends_on as string[];
    for (const c of ["registrar", "kafka", "mssql", "demo-api"]) expect(sinkApp).toContain(address(json, c));
  });

  it("hands the registrar exactly the rendered connector configs", () => {
    const desired = JSON.parse(uploaded(container(json, "registrar"), "/etc/registrar/connectors.json"));
    expect(desired.owner).toBe("meter-master-cdc");
    expect(desired.connectors.map((c: any) => c.name)).toEqual(["postgres-meters", "mysql-meters"]);
    expect(desired.connectors[0]).toEqual(POSTGRES_CONNECTOR);
  });

  it("keeps every piece of state in a named volume that destroy removes", () => {
    const volumes = Object.values(json.resource.docker_volume)
      .map((v: any) => v.name)
      .sort();
    expect(volumes).toEqual(["kafka", "mssql", "mysql", "oracle", "postgres"].map((c) => `meter-master-${c}-data`));
    for (const c of ["kafka", "mssql", "mysql", "oracle", "postgres"]) {
      expect(container(json, c).volumes).toEqual([expect.objectContaining({ volume_name: `meter-master-${c}-data` })]);
    }
  });

  it("publishes host ports on 127.0.0.1 only", () => {
    const published = Object.values(containers(json)).flatMap((c: any) => c.ports ?? []);
    expect(published.length).toBeGreaterThanOrEqual(8);
    for (const p of published) expect(p.ip).toBe("127.0.0.1");
  });

  it("makes every secret a sensitive variable, never a literal", () => {
    const variables = json.variable ?? {};
    expect(Object.keys(variables).sort()).toEqual(
      [
        "mssql_debezium_password",
        "mssql_meter_master_password",
        "mssql_sa_password",
        "mysql_debezium_password",
        "mysql_root_password",
        "oracle_app_password",
        "oracle_debezium_password",
        "oracle_password",
        "postgres_debezium_password",
        "postgres_password",
      ].sort(),
    );
    for (const v of Object.values(variables)) {
      expect(v.sensitive).toBe(true);
      expect(v.default).toBeUndefined();
    }
    for (const c of Object.values(containers(json))) {
      for (const entry of (c.env ?? []) as string[]) {
        const [key, ...rest] = entry.split("=");
        if (/PASSWORD/.test(key!) && rest.join("=") !== "") {
          expect(rest.join("="), `${c.name} ${key}`).toMatch(/^\$\{var\.[a-z0-9_]+\}$/);
        }
      }
    }
  });

  it("never sleeps for a fixed time: the only sleep is the one-second step of a readiness poll", () => {
    const sleeps = [...raw.matchAll(/sleep\s+(\d+)/g)].map((m) => Number(m[1]));
    expect(sleeps.every((s) => s <= 1)).toBe(true);
    for (const c of Object.values(containers(json))) {
      expect([c.command?.[0], c.entrypoint?.[0]]).not.toContain("sleep");
    }
    const entrypoint = uploaded(container(json, "mssql"), "/opt/meter-master/entrypoint.sh");
    expect(entrypoint).toMatch(/until [^\n]+; do\n(?:.*\n){0,5}\s+sleep 1\n\s*done/);
  });
});

describe("deployment options", () => {
  it("declares no container for an external source, and keeps its connector", () => {
    const { json } = synth({ sources: { postgres: { database: { mode: "external" } } } });
    expect(containerNames(json)).not.toContain("meter-master-postgres");
    expect(Object.values(json.resource.docker_volume).map((v: any) => v.name)).not.toContain("meter-master-postgres-data");
    expect(json.variable).not.toHaveProperty("postgres_password");
    expect(json.variable).toHaveProperty("postgres_debezium_password");
  });

  it("points Connect at an external Kafka and declares no broker", () => {
    const { json } = synth({ kafka: { mode: "external", bootstrapServers: "broker-1.corp:9092,broker-2.corp:9092" } });
    expect(containerNames(json)).not.toContain("meter-master-kafka");
    const env = container(json, "connect").env as string[];
    expect(env).toContain("BOOTSTRAP_SERVERS=broker-1.corp:9092,broker-2.corp:9092");
    expect(env).toContain("CONFIG_STORAGE_REPLICATION_FACTOR=3");
  });

  it("leaves out a disabled source's container, volume and secrets", () => {
    const { json } = synth({ sources: { oracle: { enabled: false } } }, [POSTGRES_CONNECTOR]);
    expect(containerNames(json)).not.toContain("meter-master-oracle");
    expect(Object.keys(json.variable ?? {}).filter((v) => v.startsWith("oracle"))).toEqual([]);
    expect(container(json, "registrar").depends_on).not.toContain("docker_container.oracle_container_3E8A2D1B");
  });

  it("keeps SQL Server for the Meter Master target when the SQL Server source is disabled, without the demo source", () => {
    const { json } = synth({ sources: { mssql: { enabled: false } } });
    const mssql = container(json, "mssql");
    expect(mssql.healthcheck.test).toEqual(["CMD", "/opt/meter-master/healthcheck.sh"]);
    expect(mssql.upload.map((u: any) => u.file)).toContain("/opt/meter-master/init/20-meter-master.sql");
    expect(mssql.upload.map((u: any) => u.file)).not.toContain("/opt/meter-master/init/10-meter-source.sql");
  });

  it("keeps data on destroy by mounting volumes it does not manage", () => {
    const { json } = synth({ keepDataOnDestroy: true });
    expect(json.resource.docker_volume).toBeUndefined();
    expect(container(json, "postgres").volumes).toEqual([{ volume_name: "meter-master-postgres-data", container_path: "/var/lib/postgresql/data" }]);
  });

  it("prefixes every Docker object with the deployment name, so two stacks can share a host", () => {
    const { json } = synth({ name: "mm-staging", sources: { oracle: { enabled: false } } });
    for (const c of Object.values(containers(json))) expect(c.name).toMatch(/^mm-staging-/);
    for (const v of Object.values(json.resource.docker_volume)) expect((v as any).name).toMatch(/^mm-staging-/);
  });

  it("publishes nothing for a port set to null, and binds to another address when asked", () => {
    const { json } = synth({ hostIp: "10.0.0.5", sources: { postgres: { database: { mode: "embedded", hostPort: null } } } });
    expect(container(json, "postgres").ports).toBeUndefined();
    expect(container(json, "connect").ports).toEqual([{ internal: 8083, external: 8083, ip: "10.0.0.5" }]);
  });

  it("applies resource limits from the deployment config", () => {
    const { json } = synth({ connect: { resources: { memoryMb: 3072, cpus: 1.5 } } });
    expect(container(json, "connect").memory).toBe(3072);
    expect(container(json, "connect").cpus).toBe("1.5");
  });
});
