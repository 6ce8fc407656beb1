// The versioned endpoints: the list of countries with their coverage, daily data for one,
// several or all countries in JSON, CSV or NDJSON (streamed, so the whole table can be
// exported), a per-country summary, and the pipeline's status.
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { DataService } from '../services/data.service.ts';
import type { StatusService } from '../services/status.service.ts';
import type { DataVersionService } from '../services/data-version.service.ts';
import { replyWithData, type DataReplyDeps } from '../http/data-reply.ts';
import { renderDaily } from '../http/daily-formats.ts';
import { chooseFormat, CONTENT_TYPES } from '../http/negotiate.ts';
import { API_KEY_SECURITY, DATA_PROBLEMS, problemResponses } from '../http/openapi.ts';
import {
  countryListParam,
  countryParam,
  DAILY_FIELDS,
  dateParam,
  fieldsParam,
  formatParam,
  rangeDescription,
  withDateRange,
} from '../http/params.ts';
import { summarySchema } from './summary.schema.ts';

export interface V1RoutesOptions {
  data: DataService;
  status: StatusService;
  versions: DataVersionService;
  reply: DataReplyDeps;
}

const JSON_TYPE = 'application/json; charset=utf-8';
const date = z.string().meta({ format: 'date' });

const coverageSchema = z
  .object({
    country: z.string().meta({ example: 'RU' }),
    first_date: date,
    last_date: date,
    days: z.int().meta({ description: 'days with a row' }),
    sources: z.array(z.enum(['ecdc', 'who', 'stopcoronavirus'])),
  })
  .meta({ id: 'CountryCoverage' });

const dailyRowSchema = z
  .object({
    country: z.string(),
    date,
    cases: z.int(),
    deaths: z.int(),
    estimated: z.boolean().meta({ description: 'filled or spread rather than reported for that very day' }),
    source: z.enum(['ecdc', 'who', 'stopcoronavirus']),
  })
  .partial()
  .meta({
    id: 'DailyRow',
    description: 'the fields asked for with `fields` (all by default)',
    example: { country: 'RU', date: '2021-02-01', cases: 18359, deaths: 539, estimated: false, source: 'who' },
  });

const taskSchema = z.object({
  run_id: z.int(),
  name: z.string().meta({ example: 'load_who_changes' }),
  position: z.int(),
  state: z.enum(['pending', 'running', 'succeeded', 'failed', 'skipped']),
  attempts: z.int(),
  started_at: z.string().nullable(),
  finished_at: z.string().nullable(),
  error: z.string().nullable(),
  counts: z.record(z.string(), z.number()),
});

const statusSchema = z
  .object({
    data_version: z.string().meta({ description: 'the same token the data ETags start with' }),
    last_run: z
      .object({
        id: z.int(),
        trigger: z.enum(['schedule', 'manual', 'startup']),
        state: z.enum(['running', 'succeeded', 'failed', 'incomplete']),
        branch: z.string().nullable(),
        started_at: z.string(),
        finished_at: z.string().nullable(),
        error: z.string().nullable(),
        tasks: z.array(taskSchema),
      })
      .nullable(),
    tasks: z.array(taskSchema).meta({ description: 'the latest execution of each task that ran at least once' }),
    freshness: z.array(
      z.object({
        source: z.string(),
        last_date: date.meta({ description: 'the latest date this source has data for' }),
        days: z.int(),
        last_loaded_at: z.string().nullable().meta({ description: 'when the newest row of this source reached ClickHouse (null if not recorded)' }),
      }),
    ),
  })
  .meta({ id: 'PipelineStatus' });

export const v1Routes: FastifyPluginCallbackZod<V1RoutesOptions> = (app, { data, status, versions, reply: deps }, done) => {
  app.get(
    '/v1/countries',
    {
      schema: {
        tags: ['data'],
        summary: 'Countries with data, their first and last date and sources',
        security: API_KEY_SECURITY,
        querystring: z.strictObject({}),
        response: { 200: z.object({ countries: z.array(coverageSchema) }), ...problemResponses(...DATA_PROBLEMS) },
      },
    },
    async (request, reply) =>
      replyWithData(deps, request, reply, {
        key: 'v1/countries',
        variant: 'json',
        contentType: JSON_TYPE,
        produce: async (version) =>
          Buffer.from(
            JSON.stringify({
              countries: (await data.countries(version)).map((c) => ({
                country: c.country,
                first_date: c.firstDate,
                last_date: c.lastDate,
                days: c.days,
                sources: c.sources,
              })),
            }),
          ),
      }),
  );

  app.get(
    '/v1/daily',
    {
      schema: {
        tags: ['data'],
        summary: 'Daily data of one, several or all countries (JSON, CSV, NDJSON)',
        description:
          'Rows in (country, date) order, streamed. The representation is chosen by `format`, else by Accept ' +
          '(`application/json`, `text/csv`, `application/x-ndjson`), else JSON. JSON is `{"data": [row, ...]}`; CSV has a ' +
          'header row; NDJSON is one row object per line.',
        security: API_KEY_SECURITY,
        querystring: withDateRange(
          z.strictObject({
            country: countryListParam.optional(),
            start: dateParam.optional().meta({ description: rangeDescription.start }),
            end: dateParam.optional().meta({ description: rangeDescription.end }),
            fields: fieldsParam.optional(),
            format: formatParam.optional(),
          }),
        ),
        response: {
          200: {
            description: 'the rows',
            content: {
              'application/json': { schema: z.object({ data: z.array(dailyRowSchema) }) },
              'text/csv': {
                schema: z.string().meta({ example: 'country,date,cases,deaths,estimated,source\r\nRU,2021-02-01,18359,539,false,who\r\n' }),
              },
              'application/x-ndjson': {
                schema: z.string().meta({ example: '{"country":"RU","date":"2021-02-01","cases":18359,"deaths":539,"estimated":false,"source":"who"}\n' }),
              },
            },
          },
          ...problemResponses(...DATA_PROBLEMS, 'not_acceptable'),
        },
      },
    },
    async (request, reply) => {
      const { country, start, end } = request.query;
      const fields = request.query.fields ?? DAILY_FIELDS;
      const format = chooseFormat(request.query.format, request.headers.accept);
      const countries = country ? [...country].sort() : undefined;
      return replyWithData(deps, request, reply, {
        key: `v1/daily|${countries?.join(',') ?? '*'}|${start ?? ''}|${end ?? ''}|${fields.join(',')}|${format}`,
        variant: format,
        contentType: CONTENT_TYPES[format],
        prepare: async (version) => {
          if (countries) await data.requireCountries(version, countries);
        },
        produce: async () => renderDaily(await data.streamRows({ countries, start, end }), format, fields),
      });
    },
  );

  app.get(
    '/v1/countries/:country/summary',
    {
      schema: {
        tags: ['data'],
        summary: 'Extremes, means and trends of one country',
        description: 'The same numbers as /summary, with the country named.',
        security: API_KEY_SECURITY,
        params: z.strictObject({ country: countryParam }),
        querystring: z.strictObject({}),
        response: {
          200: z.object({ country: z.string().meta({ example: 'RU' }), ...summarySchema.shape }),
          ...problemResponses(...DATA_PROBLEMS),
        },
      },
    },
    async (request, reply) => {
      const { country } = request.params;
      return replyWithData(deps, request, reply, {
        key: `v1/summary|${country}`,
        variant: 'json',
        contentType: JSON_TYPE,
        prepare: (version) => data.requireCountries(version, [country]),
        produce: async (version) => Buffer.from(JSON.stringify({ country, ...(await data.summary(version, country)) })),
      });
    },
  );

  app.get(
    '/v1/status',
    {
      schema: {
        tags: ['pipeline'],
        summary: 'Pipeline runs and data freshness',
        description: 'The last run with its tasks, the latest execution of each task, and per source the latest date and load time.',
        security: API_KEY_SECURITY,
        querystring: z.strictObject({}),
        response: { 200: statusSchema, ...problemResponses(...DATA_PROBLEMS) },
      },
    },
    async (_request, reply) => {
      const current = await status.status(await versions.current());
      const task = (t: (typeof current.tasks)[number]) => ({
        run_id: t.runId,
        name: t.name,
        position: t.position,
        state: t.state,
        attempts: t.attempts,
        started_at: t.startedAt,
        finished_at: t.finishedAt,
        error: t.error,
        counts: t.counts,
      });
      const run = current.lastRun;
      reply.header('cache-control', 'no-store');
      return {
        data_version: current.dataVersion,
        last_run: run && {
          id: run.id,
          trigger: run.trigger,
          state: run.state,
          branch: run.branch,
          started_at: run.startedAt,
          finished_at: run.finishedAt,
          error: run.error,
          tasks: run.tasks.map(task),
        },
        tasks: current.tasks.map(task),
        freshness: current.freshness.map((f) => ({ source: f.source, last_date: f.lastDate, days: f.days, last_loaded_at: f.lastInsertedAt })),
      };
    },
  );
  done();
};
