// The versioned endpoints: the list of countries with their coverage, the places (WORLD, WHO
// regions) and their members, daily data and measures for one, several or all countries and
// places in JSON, CSV or NDJSON (streamed, so the whole table can be exported), a summary per
// country or place, and the pipeline's status.
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
import { dailySelection } from '../http/daily-selection.ts';
import { dateParam, fieldsParam, formatParam, placeListParam, placeParam, rangeDescription, withDateRange } from '../http/params.ts';
import { parsePlace } from '../../domain/regions.ts';
import { JSON_TYPE } from './common.schema.ts';
import { toCoverageJson } from './countries.mapper.ts';
import { countriesSchema } from './countries.schema.ts';
import { dailyResponse } from './daily.schema.ts';
import { regionsSchema } from './regions.schema.ts';
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
        summary: 'Countries with data: name, WHO region, first and last date, sources',
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
    '/v1/regions',
    {
      schema: {
        tags: ['data'],
        summary: 'The places beyond one country: WORLD and the WHO regions, with their members',
        description:
          'A place is accepted wherever /v1 takes a country. Its value on a date is the sum over its members that have a row ' +
          "that day. Membership is each country's latest WHO region; countries in none count for WORLD only.",
        security: API_KEY_SECURITY,
        querystring: z.strictObject({}),
        response: { 200: regionsSchema, ...problemResponses(...DATA_PROBLEMS) },
      },
    },
    async (request, reply) =>
      replyWithData(deps, request, reply, {
        key: 'v1/regions',
        variant: 'json',
        contentType: JSON_TYPE,
        produce: async (version) => Buffer.from(JSON.stringify({ regions: await data.places(version) })),
      }),
  );

  app.get(
    '/v1/daily',
    {
      schema: {
        tags: ['data'],
        summary: 'Daily data and measures of countries, regions and the world (JSON, CSV, NDJSON)',
        description:
          'Rows in (country, date) order, streamed. The representation is chosen by `format`, else by Accept ' +
          '(`application/json`, `text/csv`, `application/x-ndjson`), else JSON. JSON is `{"data": [row, ...]}`; CSV has a ' +
          'header row; NDJSON is one row object per line. The measures (`cases_7d`, `deaths_7d`, `cumulative_cases`, ' +
          '`cumulative_deaths`, `countries`) are computed over the whole series, whatever `start` and `end` keep. ' +
          'A region or WORLD on a date sums the rows of its member countries that have one that day (a country without ' +
          'a row that day adds nothing, and `countries` says how many did); it is `estimated` when any of them is.',
        security: API_KEY_SECURITY,
        querystring: withDateRange(
          z.strictObject({
            country: placeListParam.optional(),
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
      const { start, end } = request.query;
      const { countries, places, fields, measured, dependsOn } = dailySelection(request.query.country, request.query.fields);
      const format = chooseFormat(request.query.format, request.headers.accept);
      const wholeTable = isExport(countries);
      const codes = countries ? [...countries, ...places].join(',') : ['*', ...places].join(',');
      return replyWithData(deps, request, reply, {
        key: `v1/daily|${codes}|${start ?? ''}|${end ?? ''}|${fields.join(',')}|${format}`,
        variant: format,
        contentType: CONTENT_TYPES[format],
        countries: dependsOn,
        prepare: async () => {
          if (countries) await data.requireCountries(countries);
        },
        produce: async () =>
          renderDaily(
            measured ? await data.streamMeasured({ countries, places, start, end }) : await data.streamRows({ countries, start, end, export: wholeTable }),
            format,
            fields,
          ),
        ...(wholeTable ? { exportBy: userOf(request) } : {}),
      });
    },
  );

  app.get(
    '/v1/countries/:country/summary',
    {
      schema: {
        tags: ['data'],
        summary: 'Extremes, means and trends of one country, region or the world',
        description: "The same numbers as /summary, with the country (or place) named; a place's series is its daily sums.",
        security: API_KEY_SECURITY,
        params: z.strictObject({ country: placeParam }),
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
        // A place depends on every country (its members follow their rows): the version of all data.
        countries: parsePlace(country) ? undefined : [country],
        prepare: async () => {
          if (!parsePlace(country)) await data.requireCountries([country]);
        },
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
