/**
 * The source engines the pipeline replicates. Kept free of Pulumi imports: handlers bundled into Lambdas and the
 * metadata format depend on it, and must not drag the Pulumi SDK into a function bundle.
 */
export const ENGINES = ["sqlserver", "mysql", "postgres", "oracle"] as const;
export type Engine = (typeof ENGINES)[number];

/** The port each engine listens on when the stack file does not say. */
export const DEFAULT_PORTS: Record<Engine, number> = { sqlserver: 1433, mysql: 3306, postgres: 5432, oracle: 1521 };
