// oracledb ships no type declarations; this declares the part of its API the Oracle extractor uses.
declare module "oracledb" {
  export const OUT_FORMAT_OBJECT: number;
  export interface Result<T> {
    rows?: T[];
  }
  export interface Connection {
    execute<T>(sql: string, binds: unknown[], options: { outFormat: number }): Promise<Result<T>>;
    close(): Promise<void>;
  }
  export function getConnection(attrs: {
    user: string;
    password: string;
    connectString: string;
    connectTimeout?: number;
  }): Promise<Connection>;
  const oracledb: { OUT_FORMAT_OBJECT: number; getConnection: typeof getConnection };
  export default oracledb;
}
