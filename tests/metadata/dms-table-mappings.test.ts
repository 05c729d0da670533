import { catalogToTables } from "../../metadata/extract";
import { sqlServerCatalog } from "../../metadata/extractors/sqlserver";
import { dmsTableMappings, ruleId } from "../../metadata/dms-table-mappings";
import { SQLSERVER_COLUMNS, SQLSERVER_KEYS } from "./fixtures/sqlserver-catalog";

const tables = catalogToTables("sqlserver", sqlServerCatalog(SQLSERVER_COLUMNS, SQLSERVER_KEYS));

describe("dmsTableMappings", () => {
  const { rules } = dmsTableMappings(tables);

  it("selects exactly the extracted tables by name, then adds cdc_seq, then removes each excluded column", () => {
    expect(rules.map((r) => r["rule-name"])).toEqual([
      "include-dbo.Everything",
      "include-sales.EventLog",
      "include-sales.OrderLine",
      "add-cdc_seq",
      "remove-dbo.Everything.Notes",
      "remove-dbo.Everything.Photo",
      "remove-dbo.Everything.Doc",
      "remove-dbo.Everything.Place",
      "remove-dbo.Everything.Anything",
      "remove-dbo.Everything.Old",
    ]);
    expect(rules[1]).toEqual({
      "rule-id": ruleId("include-sales.EventLog"),
      "rule-name": "include-sales.EventLog",
      "rule-type": "selection",
      "object-locator": { "schema-name": "sales", "table-name": "EventLog" },
      "rule-action": "include",
      filters: [],
    });
    expect(rules[3]).toEqual({
      "rule-id": ruleId("add-cdc_seq"),
      "rule-name": "add-cdc_seq",
      "rule-type": "transformation",
      "rule-target": "column",
      "object-locator": { "schema-name": "%", "table-name": "%" },
      "rule-action": "add-column",
      value: "cdc_seq",
      expression: "$AR_H_CHANGE_SEQ",
      "data-type": { type: "string", length: 50 },
    });
    expect(rules[4]).toEqual({
      "rule-id": ruleId("remove-dbo.Everything.Notes"),
      "rule-name": "remove-dbo.Everything.Notes",
      "rule-type": "transformation",
      "rule-target": "column",
      "object-locator": { "schema-name": "dbo", "table-name": "Everything", "column-name": "Notes" },
      "rule-action": "remove-column",
    });
  });

  it("never selects by wildcard", () => {
    for (const r of rules.filter((x) => x["rule-type"] === "selection")) {
      expect(JSON.stringify(r["object-locator"])).not.toContain("%");
    }
  });

  it("gives numeric ids that are unique, stable and independent of the other tables", () => {
    const ids = rules.map((r) => r["rule-id"] as string);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[1-9]\d*$/);
    const without = dmsTableMappings(tables.filter((t) => t.table !== "EventLog")).rules;
    expect(without.map((r) => r["rule-id"])).toEqual(ids.filter((id) => id !== ruleId("include-sales.EventLog")));
    expect(dmsTableMappings([...tables].reverse())).toEqual({ rules });
  });
});
