// The one error mapper: whatever fails in a route, a hook or Fastify itself becomes a problem
// document. Validation issues name the parameter or field and say what is wrong with it, but
// never echo a body (a password could be in it). 5xx details stay in the log.
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { isAppError, type ErrorDetails } from '../errors.ts';
import { boundIssues, issuesDetail } from './problem-limits.ts';
import { PROBLEM_CONTENT_TYPE, problemBody, sendProblem, type ProblemCode } from './problem.ts';
import { SECURITY_HEADERS } from './security-headers.ts';

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
      // A store failure is logged; a refusal by a cap (no cause) is not: a flood must not fill the log.
      if (error.code === 'unavailable' && error.cause !== undefined) request.log.warn({ err: error.cause, route: request.routeOptions.url }, error.message);
      return sendProblem(reply, error.code, error.message, error.details);
    }
    if (hasZodFastifySchemaValidationErrors(error)) {
      const { errors, total } = boundIssues(describeIssues(request, error.validationContext ?? 'querystring', error.validation));
      return sendProblem(reply, 'invalid_request', issuesDetail(errors, total), { errors });
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

/**
 * Errors the router finds before any route runs (Fastify's `frameworkErrors`): a path that is not
 * valid percent-encoding, or a path parameter longer than the router takes. Fastify's own answer
 * would be plain JSON.
 */
export function frameworkErrorHandler(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  const detail =
    error.code === 'FST_ERR_MAX_PARAM_LENGTH'
      ? 'a path segment is longer than any valid value'
      : 'the path is not valid percent-encoded UTF-8';
  void sendProblem(reply, 'invalid_request', detail);
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (malformed request line or headers,
 * headers over 16 KiB, a request not received within HTTP_REQUEST_TIMEOUT_MS): answered with a
 * problem document too, and the connection closed (Fastify's default answers plain JSON).
 */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [code, detail]: [ProblemCode, string] =
    error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
      ? ['request_timeout', 'the request was not received in time']
      : error.code === 'HPE_HEADER_OVERFLOW'
        ? ['headers_too_large', 'the request line and headers are larger than 16 KiB']
        : ['invalid_request', 'the request is not valid HTTP/1.1'];
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const problem = problemBody(code, detail);
  const body = JSON.stringify(problem);
  let head = `HTTP/1.1 ${problem.status} ${problem.title}\r\ncontent-type: ${PROBLEM_CONTENT_TYPE}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n`;
  head += 'cache-control: no-store\r\nconnection: close\r\n';
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) head += `${name}: ${value}\r\n`;
  socket.end(`${head}\r\n${body}`);
}
