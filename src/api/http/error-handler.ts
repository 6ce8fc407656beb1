// The one error mapper: whatever fails in a route, a hook or Fastify itself becomes a problem
// document. Validation issues name the parameter or field and say what is wrong with it, but
// never echo a body (a password could be in it). 5xx details stay in the log.
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isAppError, type ErrorDetails } from '../errors.ts';
import { sendProblem } from './problem.ts';

type Place = NonNullable<ErrorDetails['errors']>[number]['in'];

const PLACES: Record<string, Place> = { querystring: 'query', body: 'body', params: 'path', headers: 'header' };

interface Issue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

function describeIssues(request: FastifyRequest, context: string, issues: readonly Issue[]) {
  const place = PLACES[context] ?? 'query';
  const source = (place === 'query' ? request.query : place === 'path' ? request.params : undefined) as Record<string, unknown> | undefined;
  const errors: NonNullable<ErrorDetails['errors']> = [];
  for (const issue of issues) {
    const name = issue.instancePath.replace(/^\//, '').replaceAll('/', '.');
    if (issue.keyword === 'unrecognized_keys' && Array.isArray(issue.params.keys)) {
      for (const key of issue.params.keys as string[]) {
        errors.push({ in: place, name: name ? `${name}.${key}` : key, detail: place === 'body' ? 'unknown field' : 'unknown parameter' });
      }
    } else if (place === 'body' && name === '') {
      errors.push({ in: place, name: 'body', detail: 'must be a JSON object' });
    } else if (source && Array.isArray(source[name])) {
      errors.push({ in: place, name, detail: 'given more than once (it takes one value)' });
    } else {
      errors.push({ in: place, name, detail: issue.message ?? 'is invalid' });
    }
  }
  return errors;
}

export function installErrorHandlers(app: FastifyInstance): void {
  app.setErrorHandler((error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (isAppError(error)) {
      if (error.code === 'unavailable') request.log.warn({ err: error.cause, route: request.routeOptions.url }, error.message);
      return sendProblem(reply, error.code, error.message, error.details);
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const errors = describeIssues(request, error.validationContext ?? 'querystring', error.validation);
      return sendProblem(reply, 'invalid_request', errors.map((e) => `${e.name}: ${e.detail}`).join('; '), { errors });
    }
    switch (error.code) {
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        // The parser's message quotes the body: say what is wrong without it.
        return sendProblem(reply, 'invalid_request', 'the body is not valid JSON');
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return sendProblem(reply, 'payload_too_large', 'the body is larger than this endpoint accepts');
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return sendProblem(reply, 'unsupported_media_type', 'the body must be application/json');
    }
    const status = error.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // Other client errors Fastify detects (empty JSON body, bad content-length, bad URL).
      if (status === 413) return sendProblem(reply, 'payload_too_large', error.message);
      if (status === 415) return sendProblem(reply, 'unsupported_media_type', error.message);
      if (status === 404) return sendProblem(reply, 'not_found', 'there is nothing at this path; the API is described at /docs');
      return sendProblem(reply, 'invalid_request', error.message);
    }
    request.log.error({ err: error, route: request.routeOptions.url }, 'request failed');
    return sendProblem(reply, 'internal', 'the server failed to answer this request');
  });

  app.setNotFoundHandler((_request, reply) =>
    sendProblem(reply, 'not_found', 'there is nothing at this path; the API is described at /docs'),
  );
}
