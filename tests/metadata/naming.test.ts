import { bucketName, catalogDatabaseName, fitName } from "../../metadata/naming";

describe("names", () => {
  it("names buckets from environment, source, role and account", () => {
    expect(bucketName("dev", "sales", "raw", "111111111111")).toBe("cdc-dev-sales-raw-111111111111");
  });

  it("fits the longest allowed ids into S3's 63 characters, stably and distinctly", () => {
    const a = bucketName("preprod-eu", "customer-relationship-mg", "publication", "555555555555");
    const b = bucketName("preprod-eu", "customer-relationship-mx", "publication", "555555555555");
    expect(a).toHaveLength(63);
    expect(a).toBe(bucketName("preprod-eu", "customer-relationship-mg", "publication", "555555555555"));
    expect(a).not.toBe(b);
    expect(a).toMatch(/^cdc-preprod-eu-customer-.*-555555555555$/);
    expect(a).toMatch(/^[a-z0-9][a-z0-9-]*[a-z0-9]$/);
  });

  it("leaves short names alone", () => {
    expect(fitName("abc", 10)).toBe("abc");
  });

  it("names the catalog database in Athena's alphabet", () => {
    expect(catalogDatabaseName("dev", "crm-eu")).toBe("cdc_dev_crm_eu");
  });
});
