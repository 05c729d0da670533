/**
 * Where the local Glue environment lives: the pinned Python 3.11 venv (PySpark 3.5.4, boto3, pyarrow, moto) and the
 * jars (Iceberg 1.7.1, Connector/J, hadoop-aws) that `.ci/python-env` installs into `.cdc-env/` (ignored, reused while
 * unchanged). `CDC_GLUE_ENV` points elsewhere, e.g. at a shared copy.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { UserError } from "../../errors";

export interface GlueEnv {
  /** The venv's python. */
  python: string;
  /** The venv's `moto_server`. */
  motoServer: string;
  /** Every jar the local Spark session loads. */
  jars: string[];
}

const ROOT = path.resolve(__dirname, "../../..");
const SETUP = "run `bash .ci/python-env` (needs Python 3.11, Java 17 and network access to PyPI and Maven Central)";

export function glueEnvDir(): string {
  return process.env.CDC_GLUE_ENV ?? path.join(ROOT, ".cdc-env");
}

/** The environment, or a UserError saying how to create it. */
export function glueEnv(): GlueEnv {
  const dir = glueEnvDir();
  const python = path.join(dir, "venv", "bin", "python");
  const motoServer = path.join(dir, "venv", "bin", "moto_server");
  const jarDir = path.join(dir, "jars");
  if (!fs.existsSync(python) || !fs.existsSync(motoServer)) throw new UserError(`no local Glue environment in ${dir}: ${SETUP}`);
  const jars = fs.existsSync(jarDir) ? fs.readdirSync(jarDir).filter((f) => f.endsWith(".jar")) : [];
  if (jars.length === 0) throw new UserError(`no jars in ${jarDir}: ${SETUP}`);
  return { python, motoServer, jars: jars.sort().map((f) => path.join(jarDir, f)) };
}

/** Why the local Glue environment cannot be used, or "" when it can. */
export function glueEnvProblem(): string {
  try {
    glueEnv();
    return "";
  } catch (err) {
    return (err as Error).message;
  }
}
