// The versioned endpoints: the list of countries with their coverage, daily data for one,
// several or all countries in JSON, CSV or NDJSON (streamed, so the whole table can be
// exported), a per-country summary, and the pipeline's status.
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { DataService } from '../services/data.service.ts';
import type { StatusService } from '../services/status.service.ts';
import type { DataVersionService } from '../services/data-version.service.ts';
import { userOf } from '../http/authenticate.ts';
import { isExport } from '../services/export-slots.ts';
import { replyWithData, type DataReplyDeps } from '../http/data-reply.ts';
import { renderDaily } from '../http/daily-formats.ts';
import { chooseFormat, CONTENT_TYPES } from '../http/negotiate.ts';
import { API_KEY_SECURITY, DATA_PROBLEMS, problemResponses } from '../http/openapi.ts';
import {
  countryListParam,
  countryParam,
  DEFAULT_DAILY_FIELDS,
  dateParam,
  fieldsParam,
  formatParam,
  rangeDescription,
  withDateRange,
} from '../http/params.ts';
import { JSON_TYPE } from './common.schema.ts';
import { toCoverageJson } from './countries.mapper.ts';
import { countriesSchema } from './countries.schema.ts';
import { dailyResponse } from './daily.schema.ts';
import { toStatusJson } from './status.mapper.ts';
import { statusSchema } from './status.schema.ts';
import { summarySchema } from './summary.schema.ts';

export interface V1RoutesOptions {
  data: DataService;
  status: StatusService;
  versions: DataVersionService;
  reply: DataReplyDeps;
}

export const v1Routes: FastifyPluginCallbackZod<V1RoutesOptions> = (app, { data, status, versions, reply: deps }, done) => {
  app.get(
    '/v1/countries',
    {
      schema: {
        tags: ['data'],
        summary: 'Countries with data, their first and last date and sources',
        security: API_KEY_SECURITY,
        querystring: z.strictObject({}),
        response: { 200: countriesSchema, ...problemResponses(...DATA_PROBLEMS) },
      },
    },
    async (request, reply) =>
      replyWithData(deps, request, reply, {
        key: 'v1/countries',
        variant: 'json',
        contentType: JSON_TYPE,
        produce: async (version) =>
          Buffer.from(JSON.stringify({ countries: (await data.countries(version)).map(toCoverageJson) })),
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
          200: dailyResponse,
          ...problemResponses(...DATA_PROBLEMS, 'not_acceptable'),
        },
      },
    },
    async (request, reply) => {
      const { country, start, end } = request.query;
      const fields = request.query.fields ?? DEFAULT_DAILY_FIELDS;
      const format = chooseFormat(request.query.format, request.headers.accept);
      const countries = country ? [...country].sort() : undefined;
      const wholeTable = isExport(countries);
      return replyWithData(deps, request, reply, {
        key: `v1/daily|${countries?.join(',') ?? '*'}|${start ?? ''}|${end ?? ''}|${fields.join(',')}|${format}`,
        variant: format,
        contentType: CONTENT_TYPES[format],
        countries,
        prepare: async () => {
          if (countries) await data.requireCountries(countries);
        },
        produce: async () => renderDaily(await data.streamRows({ countries, start, end, export: wholeTable }), format, fields),
        ...(wholeTable ? { exportBy: userOf(request) } : {}),
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
        countries: [country],
        prepare: () => data.requireCountries([country]),
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
      const current = await status.status(versions.all());
      reply.header('cache-control', 'no-store');
      return toStatusJson(current);
    },
  );
  done();
};
