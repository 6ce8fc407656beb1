// The original API's endpoints, same paths and shapes (SPEC 6): columnar JSON for one country,
// inclusive start/end, country defaulting to DEFAULT_COUNTRY.
import type { FastifyPluginCallbackZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { CountrySeries } from '../repositories/daily.repository.ts';
import type { DataService } from '../services/data.service.ts';
import { replyWithData, type DataReplyDeps } from '../http/data-reply.ts';
import { API_KEY_SECURITY, DATA_PROBLEMS, problemResponses } from '../http/openapi.ts';
import { COUNTRY_DESCRIPTION, countryParam, dateParam, rangeDescription, withDateRange } from '../http/params.ts';
import { dateSchema, JSON_TYPE } from './common.schema.ts';
import { summarySchema } from './summary.schema.ts';

export interface OriginalRoutesOptions {
  data: DataService;
  reply: DataReplyDeps;
  defaultCountry: string;
}

/** Index range [from, to) of the dates within [start, end]; dates are sorted. */
export function rangeIndexes(dates: readonly string[], start?: string, end?: string): [number, number] {
  const lowerBound = (value: string, inclusive: boolean) => {
    let lo = 0;
    let hi = dates.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (inclusive ? dates[mid]! < value : dates[mid]! <= value) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return [start === undefined ? 0 : lowerBound(start, true), end === undefined ? dates.length : lowerBound(end, false)];
}

function columns(series: CountrySeries, names: readonly ('cases' | 'deaths')[], start?: string, end?: string): Buffer {
  const [from, to] = rangeIndexes(series.dates, start, end);
  const body: Record<string, unknown[]> = { date: series.dates.slice(from, to) };
  for (const name of names) body[name] = series[name].slice(from, to);
  return Buffer.from(JSON.stringify(body));
}

/**
 * The body of these answers cannot say which country it is for, and without `country` it is
 * DEFAULT_COUNTRY's, not the world's: Content-Location gives the full query that was answered.
 */
export function answeredLocation(path: string, query: { country: string; start?: string | undefined; end?: string | undefined }): string {
  const params = new URLSearchParams({ country: query.country });
  if (query.start !== undefined) params.set('start', query.start);
  if (query.end !== undefined) params.set('end', query.end);
  return `${path}?${params.toString()}`;
}

export const originalRoutes: FastifyPluginCallbackZod<OriginalRoutesOptions> = (app, { data, reply: deps, defaultCountry }, done) => {
  const defaultNote =
    `**Without \`country\` this answers for ${defaultCountry} (DEFAULT_COUNTRY), not for the world.** ` +
    'The `Content-Location` header names the country answered (`/cases?country=RU&start=...`). For every country use `/v1/daily`.';
  const country = countryParam.optional().meta({ description: `${COUNTRY_DESCRIPTION}. **${defaultCountry} when absent** (not the world)` });
  const dates = z.array(dateSchema);
  const counts = z.array(z.int());
  const tags = ['data (original API)'];

  const series = (name: string, metric: 'cases' | 'deaths') =>
    app.get(
      `/${name}`,
      {
        schema: {
          tags,
          summary: `Daily new ${metric} of one country`,
          description: `${defaultNote}\n\nColumnar: \`date[i]\` and \`${metric}[i]\` belong together. Both ends of the range are inclusive.`,
          security: API_KEY_SECURITY,
          querystring: withDateRange(
            z.strictObject({
              start: dateParam.optional().meta({ description: rangeDescription.start }),
              end: dateParam.optional().meta({ description: rangeDescription.end }),
              country,
            }),
          ),
          response: {
            200: z
              .object({ date: dates, [metric]: counts })
              .meta({ example: { date: ['2021-02-01', '2021-02-02'], [metric]: metric === 'cases' ? [18359, 16643] : [539, 575] } }),
            ...problemResponses(...DATA_PROBLEMS),
          },
        },
      },
      async (request, reply) => {
        const { start, end } = request.query;
        const code = request.query.country ?? defaultCountry;
        reply.header('content-location', answeredLocation(`/${name}`, { country: code, start, end }));
        return replyWithData(deps, request, reply, {
          key: `${name}|${code}|${start ?? ''}|${end ?? ''}`,
          variant: 'json',
          contentType: JSON_TYPE,
          countries: [code],
          prepare: () => data.requireCountries([code]),
          produce: async (version) => columns(await data.series(version, code), [metric], start, end),
        });
      },
    );

  app.get(
    '/',
    {
      schema: {
        tags,
        summary: 'All daily data of one country',
        description: `${defaultNote}\n\nColumnar: \`date[i]\`, \`cases[i]\` and \`deaths[i]\` belong together.`,
        security: API_KEY_SECURITY,
        querystring: z.strictObject({ country }),
        response: {
          200: z
            .object({ date: dates, cases: counts, deaths: counts })
            .meta({ example: { date: ['2021-02-01', '2021-02-02'], cases: [18359, 16643], deaths: [539, 575] } }),
          ...problemResponses(...DATA_PROBLEMS),
        },
      },
    },
    async (request, reply) => {
      const code = request.query.country ?? defaultCountry;
      reply.header('content-location', answeredLocation('/', { country: code }));
      return replyWithData(deps, request, reply, {
        key: `/|${code}`,
        variant: 'json',
        contentType: JSON_TYPE,
        countries: [code],
          prepare: () => data.requireCountries([code]),
        produce: async (version) => columns(await data.series(version, code), ['cases', 'deaths']),
      });
    },
  );

  series('cases', 'cases');
  series('deaths', 'deaths');

  app.get(
    '/summary',
    {
      schema: {
        tags,
        summary: 'Extremes, means and trends of one country',
        description:
          `${defaultNote}\n\n` +
          'max/min: the value and the earliest date it occurs; mean: over every day with data; trends: least-squares slope ' +
          '(per day) over the last 180, 365 and 730 days counted back from the latest date, null with fewer than 2 points.',
        security: API_KEY_SECURITY,
        querystring: z.strictObject({ country }),
        response: { 200: summarySchema, ...problemResponses(...DATA_PROBLEMS) },
      },
    },
    async (request, reply) => {
      const code = request.query.country ?? defaultCountry;
      reply.header('content-location', answeredLocation('/summary', { country: code }));
      return replyWithData(deps, request, reply, {
        key: `summary|${code}`,
        variant: 'json',
        contentType: JSON_TYPE,
        countries: [code],
          prepare: () => data.requireCountries([code]),
        produce: async (version) => Buffer.from(JSON.stringify(await data.summary(version, code))),
      });
    },
  );
  done();
};
