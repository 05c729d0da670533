/** The validation core shared by the validate Lambda, `cdc validate`, `cdc replay` and the large-file Glue job. */
export {
  VIOLATION_CODES,
  WARNING_CODES,
  type ValidationResult,
  type ValidationWarning,
  type Violation,
  type ViolationCode,
  type WarningCode,
} from "./codes";
export {
  ALLOWED_OPS,
  OP_COLUMN,
  SEQ_COLUMN,
  TIMESTAMP_COLUMN,
  columnsNeedingValues,
  resolveTable,
  validateParquetFile,
  type ValidationInput,
} from "./rules";
export { typeMatches } from "./type-match";
export { validateLocalFile, validateObject, type ObjectValidation, type ValidateObjectOptions } from "./validate-object";
