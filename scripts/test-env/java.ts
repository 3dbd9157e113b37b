import { writeFile } from "node:fs/promises";
import { join } from "node:path";

/** Properties files as Kafka reads them (values here never contain newlines). */
export function toProperties(entries: Record<string, string | number | boolean>): string {
  return `${Object.entries(entries)
    .map(([k, v]) => `${k}=${String(v).replaceAll("\\", "\\\\")}`)
    .join("\n")}\n`;
}

/**
 * Log4j 2 config sending everything to stdout, which the supervisor writes to
 * the component's log file. Chatty loggers are turned down to keep logs useful.
 */
export async function writeLog4j2Config(dir: string, name: string): Promise<string> {
  const path = join(dir, `log4j2-${name}.properties`);
  await writeFile(
    path,
    toProperties({
      status: "warn",
      "appender.out.type": "Console",
      "appender.out.name": "STDOUT",
      "appender.out.layout.type": "PatternLayout",
      "appender.out.layout.pattern": "[%d{ISO8601}] %p %m (%c)%n",
      "rootLogger.level": "INFO",
      "rootLogger.appenderRef.out.ref": "STDOUT",
      "logger.reflections.name": "org.reflections",
      "logger.reflections.level": "ERROR",
      "logger.jetty.name": "org.eclipse.jetty",
      "logger.jetty.level": "WARN",
      "logger.clients.name": "org.apache.kafka.clients",
      "logger.clients.level": "WARN",
      "logger.common.name": "org.apache.kafka.common",
      "logger.common.level": "WARN",
    }),
  );
  return path;
}

/**
 * How the JVMs run:
 * - `quick`: short-lived test JVMs; the serial collector and C1 only start faster and use less CPU
 *   on 2 cores, at the price of longer pauses and slower code later on.
 * - `as-deployed`: what Kafka's start scripts give the broker and Connect in their images (G1
 *   aiming at 20 ms pauses, both JIT tiers), for benchmarks: with `quick`, a broker's serial
 *   collections of 60-90 ms showed up as latency spikes of the whole pipeline.
 */
export type JvmProfile = "quick" | "as-deployed";

const JVM_PROFILE_FLAGS: Record<JvmProfile, string[]> = {
  quick: ["-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1"],
  // KAFKA_JVM_PERFORMANCE_OPTS of kafka-run-class.sh
  "as-deployed": ["-XX:+UseG1GC", "-XX:MaxGCPauseMillis=20", "-XX:InitiatingHeapOccupancyPercent=35", "-XX:+ExplicitGCInvokesConcurrent"],
};

export function javaArgs(opts: {
  heap: string;
  classpathDir: string;
  log4j2: string;
  tmpDir: string;
  systemProperties?: Record<string, string>;
  /** @default "quick" */
  profile?: JvmProfile;
}): string[] {
  return [
    `-Xmx${opts.heap}`,
    "-Xms64m",
    ...JVM_PROFILE_FLAGS[opts.profile ?? "quick"],
    "-XX:+ExitOnOutOfMemoryError",
    "-Djava.awt.headless=true",
    `-Djava.io.tmpdir=${opts.tmpDir}`,
    `-Dlog4j2.configurationFile=${opts.log4j2}`,
    ...Object.entries(opts.systemProperties ?? {}).map(([k, v]) => `-D${k}=${v}`),
    "-cp",
    `${opts.classpathDir}/*`,
  ];
}
