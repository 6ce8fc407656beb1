// When the next scheduled run starts: the worker's cron (ETL_SCHEDULE, in UTC, as pg-boss reads
// it) evaluated with the parser pg-boss itself uses (cron-parser), so the two agree.
import { CronExpressionParser } from 'cron-parser';

export interface Schedule {
  cron: string;
  timezone: 'UTC';
  /** ISO timestamp; null when the expression has no next time (cannot happen for a valid cron). */
  nextRunAt: string | null;
}

export function scheduleAt(cron: string, now: Date): Schedule {
  let nextRunAt: string | null = null;
  try {
    nextRunAt = CronExpressionParser.parse(cron, { currentDate: now, tz: 'UTC' }).next().toISOString();
  } catch {
    // config.ts only checks the field count; an expression pg-boss would refuse has no next run.
  }
  return { cron, timezone: 'UTC', nextRunAt };
}
