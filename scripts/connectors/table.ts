// The tables the connectors CLI prints: plain text, as its output goes to terminals, files and
// pipes alike. cli-table3's default colours put escape codes between the columns wherever colour
// is forced (FORCE_COLOR), so a script or test reading the table would see them.
import Table from "cli-table3";

export function textTable(head: string[]): InstanceType<typeof Table> {
  return new Table({ head, style: { head: [], border: [] } });
}
