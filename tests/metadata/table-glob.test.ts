import { matchesTableGlob, selectTables } from "../../metadata/table-glob";

describe("table globs over schema.table", () => {
  it.each([
    ["dbo.*", "dbo.Customer", true],
    ["dbo.*", "DBO.customer", true],
    ["dbo.*", "billing.Customer", false],
    ["dbo.Invoice*", "dbo.InvoiceLine", true],
    ["dbo.Invoice*", "dbo.Invoice", true],
    ["dbo.Invoice*", "dbo.Payment", false],
    ["dbo.Payment", "dbo.Payments", false],
    ["*.event_?og", "public.event_log", true],
    ["*.event_?og", "public.event_ll_og", false],
    // `*` stays within one part and `.`, `$`, `#` are literal.
    ["dbo*", "dbo.Customer", false],
    ["d.o", "dbo", false],
    ["sys$x.t#1", "SYS$X.T#1", true],
  ])("%s matches %s: %s", (glob, id, expected) => {
    expect(matchesTableGlob(glob, id)).toBe(expected);
  });

  it("keeps what --include selects (everything when none) minus what --exclude drops", () => {
    const ids = ["dbo.A", "dbo.B", "sales.A"];
    expect(selectTables(ids, (x) => x, [], [])).toEqual(ids);
    expect(selectTables(ids, (x) => x, ["dbo.*"], [])).toEqual(["dbo.A", "dbo.B"]);
    expect(selectTables(ids, (x) => x, [], ["*.A"])).toEqual(["dbo.B"]);
    expect(selectTables(ids, (x) => x, ["dbo.*", "sales.*"], ["dbo.B"])).toEqual(["dbo.A", "sales.A"]);
  });
});
