#!/usr/bin/env node
// Runs every server audit of graphql-http (GraphQL over HTTP conformance) against a live
// GraphQL endpoint and prints a JSON summary on stdout.
//
//   BOLASHAK_AUDIT_TOKEN=<jwt> node run-audit.mjs http://127.0.0.1:8000/graphql
//
// Every request carries "Authorization: Bearer $BOLASHAK_AUDIT_TOKEN" (the API refuses
// anonymous requests). Exit status: 0 when every MUST and SHOULD audit passes, 1 when one
// fails (MUST -> "error", SHOULD -> "warn"; MAY audits only give "notice"), 2 on bad usage.
import { createRequire } from 'node:module';
import process from 'node:process';

import { serverAudits } from 'graphql-http';

const TOKEN_VARIABLE = 'BOLASHAK_AUDIT_TOKEN';
const REQUEST_TIMEOUT_MS = 10_000;
const BODY_LIMIT = 2_000; // characters of a failing response's body kept in the summary
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

function usage(message) {
  process.stderr.write(`${message}\nusage: ${TOKEN_VARIABLE}=<token> node run-audit.mjs URL\n`);
  process.exit(2);
}

const url = process.argv[2];
if (!url || !/^https?:\/\//.test(url)) usage('the GraphQL URL (http:// or https://) is required');
const token = (process.env[TOKEN_VARIABLE] || '').trim();
if (!token) usage(`${TOKEN_VARIABLE} must hold a bearer token`);

const require = createRequire(import.meta.url);
const version = require('graphql-http/package.json').version;

// The text of every response, by the Response handed to the audits (whose bodies they
// consume), so that a failure can show what the server answered.
const bodies = new WeakMap();

async function fetchWithToken(input, init = {}) {
  const headers = new Headers(init.headers || {});
  headers.set('authorization', `Bearer ${token}`);
  const response = await fetch(input, {
    ...init,
    headers,
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  const copy = new Response(NULL_BODY_STATUSES.has(response.status) ? null : text, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
  bodies.set(copy, text);
  return copy;
}

function requirement(name) {
  return name.split(' ', 1)[0];
}

async function readBody(response) {
  if (bodies.has(response)) return bodies.get(response);
  try {
    return await response.text(); // a clone made by the audit, its body still unread
  } catch {
    return '';
  }
}

async function describe(response) {
  if (!response) return null;
  const body = await readBody(response);
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: body.length > BODY_LIMIT ? `${body.slice(0, BODY_LIMIT)}...` : body,
  };
}

function explain(error) {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}

async function run(audit) {
  try {
    const result = await audit.fn();
    if (result.status === 'ok') {
      return { id: result.id, name: result.name, status: 'ok', message: 'ok', response: null };
    }
    return {
      id: result.id,
      name: result.name,
      status: result.status,
      message: result.reason,
      response: await describe(result.response),
    };
  } catch (error) {
    // graphql-http throws only on a fatal error (e.g. the server is unreachable): that
    // audit could not be checked, which counts as a failure at its own level.
    const level = requirement(audit.name);
    return {
      id: audit.id,
      name: audit.name,
      status: level === 'MUST' ? 'error' : level === 'SHOULD' ? 'warn' : 'notice',
      message: `fatal: ${explain(error)}`,
      response: null,
    };
  }
}

const audits = serverAudits({ url, fetchFn: fetchWithToken });
const results = [];
for (const audit of audits) {
  results.push(await run(audit)); // one at a time: the failures stay easy to read
}

const counts = { ok: 0, notice: 0, warn: 0, error: 0 };
for (const result of results) counts[result.status] += 1;
const failed = results.filter((r) => r.status === 'error' || r.status === 'warn');

process.stdout.write(
  `${JSON.stringify(
    {
      url,
      graphqlHttp: version,
      total: results.length,
      counts,
      failed: failed.map((r) => r.id),
      audits: results,
    },
    null,
    2,
  )}\n`,
);
process.exit(failed.length ? 1 : 0);
