/** The validate Lambda on a file whose LOB values reach the limited-LOB-mode limit: moved on, flagged, counted. */
import { parseValidatedFileMessage } from "../../handlers/core/messages";
import { motoDescribe, useMoto } from "../support/moto";
import { DOCS_KEY, docs, docsFile } from "./core/validation/lob-files";
import { createPipeline, handlerFor, lambdaContext, notifications, quietTelemetry } from "./validate-harness";

motoDescribe("validate Lambda and LOB values at the limit", () => {
  const aws = useMoto();

  it("harmonizes the file, puts the warning in its validated-file message and counts the values in a metric", async () => {
    const p = await createPipeline(aws());
    const limit = 2048;
    const file = docsFile([
      { body: "b".repeat(limit), blob: new Uint8Array(limit) },
      { body: "ok", blob: new Uint8Array(limit * 2) },
      { body: "fine", blob: null },
    ]);
    await aws().putObject(p.raw, DOCS_KEY, file);
    const telemetry = quietTelemetry();
    const added = jest.spyOn(telemetry.metrics, "addMetric");
    const properties = jest.spyOn(telemetry.metrics, "addMetadata");
    const handler = handlerFor(aws(), { ...p, settings: { ...p.settings, lobLimitBytes: limit } }, [docs], telemetry);

    expect((await handler(await notifications(aws(), p), lambdaContext)).batchItemFailures).toEqual([]);

    expect(await aws().listKeys(p.settings.harmonizedBucket)).toEqual([DOCS_KEY]);
    const [message] = (await aws().drainQueue(p.settings.fanOutQueueUrl)).map(parseValidatedFileMessage);
    expect(message.warnings).toEqual([
      { code: "LOB_POSSIBLY_TRUNCATED", column: "body", count: 1 },
      { code: "LOB_POSSIBLY_TRUNCATED", column: "blob", count: 2 },
    ]);
    expect(added).toHaveBeenCalledWith("FilesHarmonized", "Count", 1);
    expect(added).toHaveBeenCalledWith("LobValuesPossiblyTruncated", "Count", 3);
    expect(properties).toHaveBeenCalledWith("table", "dbo.docs");
    // Not an alert: the file is valid; the warning travels with it.
    expect(await aws().drainQueue(p.alertQueueUrl)).toEqual([]);
  });

  it("says nothing in full LOB mode (no limit), however long the values", async () => {
    const p = await createPipeline(aws());
    await aws().putObject(p.raw, DOCS_KEY, docsFile([{ body: "b".repeat(100_000), blob: new Uint8Array(100_000) }]));
    const telemetry = quietTelemetry();
    const added = jest.spyOn(telemetry.metrics, "addMetric");
    const handler = handlerFor(aws(), p, [docs], telemetry);
    expect((await handler(await notifications(aws(), p), lambdaContext)).batchItemFailures).toEqual([]);
    const [message] = (await aws().drainQueue(p.settings.fanOutQueueUrl)).map(parseValidatedFileMessage);
    expect(message.warnings).toBeUndefined();
    expect(added.mock.calls.filter((c) => c[0] === "LobValuesPossiblyTruncated")).toEqual([]);
  });
});
