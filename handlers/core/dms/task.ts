/**
 * What DMS says about a source's task and its tables: the task by its identifier (`cdc-<env>-<source>`,
 * components/dms-source.ts) and every page of DescribeTableStatistics. Used by the reconciler and `cdc dms`.
 */
import {
  DescribeReplicationTasksCommand,
  DescribeTableStatisticsCommand,
  type DatabaseMigrationServiceClient,
  type ReplicationTask,
  type TableStatistics,
} from "@aws-sdk/client-database-migration-service";
import type { DmsTableCounts, DmsTaskDates } from "./drift";

/** DMS has no task of that identifier (the source not deployed, another region or account). */
export class DmsTaskNotFound extends Error {
  constructor(readonly taskId: string) {
    super(`DMS has no replication task ${taskId}`);
    this.name = "DmsTaskNotFound";
  }
}

/** The source's task, found by its identifier; throws {@link DmsTaskNotFound} when DMS has none of that name. */
export async function findTask(dms: DatabaseMigrationServiceClient, taskId: string): Promise<ReplicationTask> {
  const r = await dms.send(
    new DescribeReplicationTasksCommand({
      Filters: [{ Name: "replication-task-id", Values: [taskId] }],
      // The settings and mappings are large and not needed here.
      WithoutSettings: true,
    }),
  );
  const task = r.ReplicationTasks?.find((t) => t.ReplicationTaskIdentifier === taskId);
  if (!task?.ReplicationTaskArn) throw new DmsTaskNotFound(taskId);
  return task;
}

export function taskDates(task: ReplicationTask): DmsTaskDates {
  return { startDate: task.ReplicationTaskStats?.StartDate, freshStartDate: task.ReplicationTaskStats?.FreshStartDate };
}

/** Every table of the task (DescribeTableStatistics pages through at most 500 per call). */
export async function tableStatistics(dms: DatabaseMigrationServiceClient, taskArn: string): Promise<TableStatistics[]> {
  const out: TableStatistics[] = [];
  let marker: string | undefined;
  do {
    const r = await dms.send(
      new DescribeTableStatisticsCommand({ ReplicationTaskArn: taskArn, MaxRecords: 500, Marker: marker }),
    );
    out.push(...(r.TableStatistics ?? []));
    marker = r.Marker || undefined;
  } while (marker);
  return out;
}

export function tableCounts(t: TableStatistics): DmsTableCounts {
  return {
    schema: t.SchemaName ?? "",
    table: t.TableName ?? "",
    state: t.TableState ?? "",
    fullLoadRows: t.FullLoadRows ?? 0,
    inserts: t.Inserts ?? 0,
    updates: t.Updates ?? 0,
    deletes: t.Deletes ?? 0,
    fullLoadStartTime: t.FullLoadStartTime,
    fullLoadReloaded: t.FullLoadReloaded,
    lastUpdateTime: t.LastUpdateTime,
  };
}
