/**
 * The example `sales` source (SQL Server database `Sales`, Pulumi.*.yaml): its catalog as the SQL Server extractor's
 * queries return it through mssql (`result.recordset` rows). `metadata/sources/sales` is generated from these rows
 * by the extractor's pure step (see regenerate.ts), so the example shows exactly what an extraction produces.
 */
import type { SqlServerColumnRow, SqlServerKeyRow } from "../extractors/sqlserver";

type Col = [table: string, column: string, type: string, maxLength: number, precision: number, scale: number, nullable: boolean];

// [schema.table, column, type, max_length, precision, scale, is_nullable] in column_id order per table.
const COLUMNS: Col[] = [
  ["dbo.Customer", "CustomerID", "int", 4, 10, 0, false],
  ["dbo.Customer", "Name", "nvarchar", 400, 0, 0, false],
  ["dbo.Customer", "Email", "nvarchar", 640, 0, 0, true],
  ["dbo.Customer", "CountryCode", "char", 2, 0, 0, false],
  ["dbo.Customer", "CreditLimit", "money", 8, 19, 4, true],
  ["dbo.Customer", "CreatedAt", "datetime2", 7, 23, 3, false],
  ["dbo.Customer", "Notes", "nvarchar", -1, 0, 0, true],
  ["dbo.Customer", "RowVersion", "timestamp", 8, 0, 0, false],
  ["dbo.Customer", "PreferredCallTime", "time", 5, 16, 7, true],
  ["dbo.Invoice", "InvoiceID", "int", 4, 10, 0, false],
  ["dbo.Invoice", "CustomerID", "int", 4, 10, 0, false],
  ["dbo.Invoice", "InvoiceNumber", "varchar", 20, 0, 0, false],
  ["dbo.Invoice", "IssuedOn", "date", 3, 10, 0, false],
  ["dbo.Invoice", "DueOn", "date", 3, 10, 0, true],
  ["dbo.Invoice", "Status", "tinyint", 1, 3, 0, false],
  ["dbo.Invoice", "Currency", "char", 3, 0, 0, false],
  ["dbo.Invoice", "Total", "decimal", 9, 19, 4, false],
  ["dbo.Invoice", "IssuedAt", "datetimeoffset", 10, 34, 7, true],
  ["dbo.InvoiceLine", "InvoiceID", "int", 4, 10, 0, false],
  ["dbo.InvoiceLine", "LineNumber", "smallint", 2, 5, 0, false],
  ["dbo.InvoiceLine", "ProductCode", "varchar", 40, 0, 0, false],
  ["dbo.InvoiceLine", "Description", "nvarchar", 1000, 0, 0, true],
  ["dbo.InvoiceLine", "Quantity", "decimal", 5, 9, 3, false],
  ["dbo.InvoiceLine", "UnitPrice", "money", 8, 19, 4, false],
  ["dbo.InvoiceLine", "Discount", "real", 4, 24, 0, true],
  ["dbo.Payment", "PaymentID", "uniqueidentifier", 16, 0, 0, false],
  ["dbo.Payment", "InvoiceID", "int", 4, 10, 0, false],
  ["dbo.Payment", "PaidAt", "datetime", 8, 23, 3, false],
  ["dbo.Payment", "Amount", "money", 8, 19, 4, false],
  ["dbo.Payment", "Method", "nvarchar", 40, 0, 0, false],
  ["dbo.Payment", "Reference", "varchar", -1, 0, 0, true],
  ["dbo.AuditEvent", "EventTime", "datetime2", 8, 27, 7, false],
  ["dbo.AuditEvent", "UserName", "nvarchar", 256, 0, 0, false],
  ["dbo.AuditEvent", "Action", "varchar", 50, 0, 0, false],
  ["dbo.AuditEvent", "Details", "xml", -1, 0, 0, true],
  ["billing.Subscription", "SubscriptionID", "bigint", 8, 19, 0, false],
  ["billing.Subscription", "CustomerID", "int", 4, 10, 0, false],
  ["billing.Subscription", "PlanCode", "varchar", 20, 0, 0, false],
  ["billing.Subscription", "StartsOn", "date", 3, 10, 0, false],
  ["billing.Subscription", "EndsOn", "date", 3, 10, 0, true],
  ["billing.Subscription", "IsActive", "bit", 1, 1, 0, false],
  ["billing.Subscription", "MonthlyFee", "smallmoney", 4, 10, 4, false],
];

const KEYS: Array<[table: string, columns: string[]]> = [
  ["dbo.Customer", ["CustomerID"]],
  ["dbo.Invoice", ["InvoiceID"]],
  ["dbo.InvoiceLine", ["InvoiceID", "LineNumber"]],
  ["dbo.Payment", ["PaymentID"]],
  ["billing.Subscription", ["SubscriptionID"]],
];

const split = (id: string) => id.split(".") as [string, string];

export const SALES_COLUMNS: SqlServerColumnRow[] = COLUMNS.map(
  ([id, column_name, type_name, max_length, precision, scale, is_nullable], i) => {
    const [schema_name, table_name] = split(id);
    const column_id = COLUMNS.slice(0, i).filter(([other]) => other === id).length + 1;
    return { schema_name, table_name, column_name, column_id, type_name, max_length, precision, scale, is_nullable };
  },
);

export const SALES_KEYS: SqlServerKeyRow[] = KEYS.flatMap(([id, columns]) =>
  columns.map((column_name, i) => ({ schema_name: split(id)[0], table_name: split(id)[1], column_name, key_ordinal: i + 1 })),
);
