/**
 * Connection URLs for the extractors and the one-line error a failed connection gives: host, port and the driver's
 * reason, never the password (it is scrubbed from the reason too, in case a driver echoes its configuration).
 */
import { DEFAULT_PORTS, type Engine } from "../engines";
import { UserError } from "../../src/errors";

export interface ConnectionParts {
  host: string;
  port: number;
  user: string;
  password: string;
  /** Database (SQL Server, MySQL, PostgreSQL) or service name (Oracle); empty when the URL has none. */
  database: string;
  params: URLSearchParams;
}

/** Splits `scheme://user:password@host:port/database?options`; throws a `UserError` that does not repeat the URL. */
export function parseConnectionUrl(engine: Engine, url: string): ConnectionParts {
  const expected = `--url: expected ${engine}://user:password@host:port/${engine === "oracle" ? "service" : "database"}`;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new UserError(`${expected}, received something that is not a URL`);
  }
  if (u.hostname === "") throw new UserError(`${expected}, received a URL without a host`);
  return {
    host: u.hostname,
    port: u.port === "" ? DEFAULT_PORTS[engine] : Number(u.port),
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    database: decodeURIComponent(u.pathname.replace(/^\/+/, "")),
    params: u.searchParams,
  };
}

/** `cannot connect to postgres at db.internal:5432: <reason>`, with the password removed from the reason. */
export function connectionError(engine: Engine, c: ConnectionParts, err: unknown): UserError {
  const e = err as { message?: string; code?: string; errors?: Array<{ message?: string }> };
  // AggregateError (several addresses tried) carries the useful text in its parts.
  let reason = e.message || e.errors?.map((x) => x.message).join("; ") || e.code || String(err);
  reason = reason.split("\n")[0];
  if (c.password !== "") reason = reason.split(c.password).join("***");
  return new UserError(`cannot connect to ${engine} at ${c.host}:${c.port}: ${reason}`);
}
