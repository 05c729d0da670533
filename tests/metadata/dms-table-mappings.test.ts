import { catalogToTables } from "../../metadata/extract";
import { sqlServerCatalog } from "../../metadata/extractors/sqlserver";
import { dmsTableMappings, ruleId } from "../../metadata/dms-table-mappings";
import { SQLSERVER_COLUMNS, SQLSERVER_KEYS } from "./fixtures/sqlserver-catalog";

const tables = catalogToTables("sqlserver", sqlServerCatalog(SQLSERVER_COLUMNS, SQLSERVER_KEYS));

describe("dmsTableMappings", () => {
  const { rules } = dmsTableMappings(tables);

  it("selects exactly the extracted tables by name, then adds cdc_seq, removes each excluded column and makes each TIME text", () => {
    expect(rules.map((r) => r["rule-name"])).toEqual([
      "include-dbo.Everything",
      "include-sales.EventLog",
      "include-sales.OrderLine",
      "add-cdc_seq",
      "remove-dbo.Everything.Anything",
      "time-as-string-dbo.Everything.At",
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
      "rule-id": ruleId("remove-dbo.Everything.Anything"),
      "rule-name": "remove-dbo.Everything.Anything",
      "rule-type": "transformation",
      "rule-target": "column",
      "object-locator": { "schema-name": "dbo", "table-name": "Everything", "column-name": "Anything" },
      "rule-action": "remove-column",
    });
  });

  it("changes each TIME column to a string, so DMS writes its text instead of a Parquet TIME32 Spark cannot read", () => {
    const at = rules.find((r) => r["rule-name"] === "time-as-string-dbo.Everything.At");
    expect(at).toEqual({
      "rule-id": ruleId("time-as-string-dbo.Everything.At"),
      "rule-name": "time-as-string-dbo.Everything.At",
      "rule-type": "transformation",
      "rule-target": "column",
      "object-locator": { "schema-name": "dbo", "table-name": "Everything", "column-name": "At" },
      "rule-action": "change-data-type",
      "data-type": { type: "string", length: 16 },
    });
    // One rule per TIME column (by exact name, never a wildcard), none for any other type.
    const timeColumns = tables.flatMap((t) =>
      t.columns.filter((c) => c.dmsType === "TIME").map((c) => `${t.schema}.${t.table}.${c.name}`),
    );
    const changed = rules
      .filter((r) => r["rule-action"] === "change-data-type")
      .map((r) => r["object-locator"] as Record<string, string>)
      .map((o) => `${o["schema-name"]}.${o["table-name"]}.${o["column-name"]}`);
    expect(changed).toEqual(timeColumns);
    expect(changed).toEqual(["dbo.Everything.At"]);
  });

  it("sizes the string of a TIME column from its metadata (a zone offset makes it wider)", () => {
    const tz = catalogToTables("postgres", {
      columns: [
        { schema: "public", table: "shifts", name: "id", ordinal: 1, nullable: false, sourceType: "integer" },
        {
          schema: "public",
          table: "shifts",
          name: "starts",
          ordinal: 2,
          nullable: true,
          sourceType: "time with time zone",
          scale: 6,
        },
      ],
      primaryKeys: [{ schema: "public", table: "shifts", column: "id", position: 1 }],
    });
    const rule = dmsTableMappings(tz).rules.find((r) => r["rule-action"] === "change-data-type");
    expect(rule?.["data-type"]).toEqual({ type: "string", length: 22 });
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
