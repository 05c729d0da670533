import { sendBatches, targetsFor, type Delivery } from "../../../handlers/core/fan-out";

const targets = [
  { name: "reporting", tables: ["dbo.*"], queueUrl: "http://q/reporting" },
  { name: "finance", tables: ["dbo.Invoice*", "dbo.Payment", "billing.*"], queueUrl: "http://q/finance" },
];

describe("targetsFor", () => {
  it.each([
    ["dbo", "Invoice", ["reporting", "finance"]],
    ["dbo", "InvoiceLine", ["reporting", "finance"]],
    ["DBO", "payment", ["reporting", "finance"]],
    ["dbo", "Customer", ["reporting"]],
    ["billing", "Subscription", ["finance"]],
    ["audit", "Event", []],
  ])("routes %s.%s to %j", (schema, table, expected) => {
    expect(targetsFor({ schema, table }, targets).map((t) => t.name)).toEqual(expected);
  });
});

describe("sendBatches", () => {
  it("groups per queue in chunks of ten, keeping order", () => {
    const deliveries: Delivery[] = [];
    for (let i = 0; i < 23; i++) deliveries.push({ recordId: `r${i}`, queueUrl: i % 2 ? "q1" : "q2", body: String(i) });
    const batches = sendBatches(deliveries);
    expect(batches.map((b) => [b[0].queueUrl, b.length])).toEqual([
      ["q2", 10],
      ["q2", 2],
      ["q1", 10],
      ["q1", 1],
    ]);
    expect(
      batches
        .flat()
        .map((d) => Number(d.body))
        .filter((n) => n % 2 === 1),
    ).toEqual([1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21]);
  });
});
