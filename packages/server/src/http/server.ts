// The HTTP side: Express 5 with Apollo Server 5 on /graphql, graphql-ws on the same path for
// subscriptions, POST /uploads, GET /artifacts/:id, and /healthz, /readyz and /metrics (ops/). Both
// transports authenticate with the same tokens and apply the same operation checks.

import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { type DocumentNode, GraphQLError, parse } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { RequestContext } from '../graphql/context.ts';
import { describeError, type ErrorExposure, errorFormatter, exposeOnly, formatError } from '../graphql/errors.ts';
import { checkDocument, checkText, type OperationPolicy } from '../graphql/operation-checks.ts';
import { tuneqlSchema } from '../graphql/schema.ts';
import { downloadRoute } from '../modules/artifacts/download.route.ts';
import { type Caller, unavailableMessage } from '../modules/auth/auth.service.ts';
import { uploadRoute } from '../modules/datasets/upload.route.ts';
import { sweepUnusedUploads } from '../modules/datasets/upload-retention.ts';
import { graphqlTiming } from '../ops/graphql-timing.ts';
import { requestLogging, requestTiming } from '../ops/http-observation.ts';
import { logger } from '../ops/logger.ts';
import { opsRoutes } from '../ops/ops-routes.ts';
import type { Services } from '../services.ts';
import { jsonErrors } from './json-errors.ts';
import { OriginPolicy, originGuard, verifyUpgrade } from './origin-guard.ts';
import { type ClientKey, clientKey, RateLimits } from './rate-limits.ts';
import { TokenSockets, WS_TOKEN_REFUSED } from './token-sockets.ts';

export interface HttpServer {
  url: string;
  /** Whether the console is served at url. */
  console: boolean;
  port: number;
  close(): Promise<void>;
}

/** graphql-ws closes a connection that fails onConnect with 4403 Forbidden. */
export const WS_FORBIDDEN = 4403;

function authError(err: unknown): GraphQLError {
  const d = describeError(err);
  // Not a verdict on the token: the lookup itself failed (the database restarting). A client retries a
  // 503; a 401 would tell it to drop a good token.
  if (!d) return new GraphQLError(unavailableMessage(err), { extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503 } } });
  return new GraphQLError(d.message, { extensions: { code: d.code, http: { status: d.code === 'FORBIDDEN' ? 403 : 401 } } });
}

/** Apollo answers 500 to an error thrown from a plugin unless it carries its HTTP status. */
function badRequest(err: GraphQLError): GraphQLError {
  return new GraphQLError(err.message, { nodes: err.nodes, extensions: { ...err.extensions, http: { status: 400 } } });
}

export async function startHttpServer(services: Services): Promise<HttpServer> {
  const { settings } = services;
  const schema = await tuneqlSchema();
  const policy: OperationPolicy = { limits: settings.limits, introspection: settings.introspection };
  const app = express();
  app.disable('x-powered-by');
  app.use(requestTiming(services.metrics), requestLogging(logger()));
  const httpServer: Server = createServer(app);
  const origins = new OriginPolicy(settings, () => (httpServer.address() as AddressInfo | null)?.port ?? settings.port);
  app.use(originGuard(origins, ['/healthz', '/readyz', '/metrics']));
  const rateLimits = new RateLimits(settings.rateLimits);
  const tokenSockets = new TokenSockets(services.auth, settings.tokenCacheSeconds);
  const uploadSweep = sweepUnusedUploads(services);
  // Outside development, errors show no stack traces, and no field-name suggestions while introspection is off.
  const exposure: ErrorExposure = { suggestions: settings.introspection, stacktrace: process.env.NODE_ENV === 'development' };

  /**
   * The limits and the introspection policy for one operation: text size and tokens, then (on the parsed
   * document, with the request's variables) depth, aliases, cost and introspection. Both transports run it
   * before graphql's own validation, so they refuse the same operations with the same errors.
   */
  const checkOperation = (source: unknown, variables: unknown): { errors: readonly GraphQLError[] } | { syntaxError: GraphQLError } => {
    if (typeof source !== 'string') return { errors: [] };
    const tooBig = checkText(source, policy);
    if (tooBig) return { errors: [tooBig] };
    let document: DocumentNode;
    try {
      document = parse(source);
    } catch (err) {
      return { syntaxError: err as GraphQLError };
    }
    const vars =
      variables && typeof variables === 'object' && !Array.isArray(variables) ? (variables as Record<string, unknown>) : undefined;
    return { errors: checkDocument(schema, document, vars, policy) };
  };

  // Messages up to the HTTP body limit reach the operation checks (QUERY_TOO_COMPLEX); past it ws closes with 1009.
  const wsServer = new WebSocketServer({
    server: httpServer,
    path: '/graphql',
    maxPayload: settings.maxRequestBytes,
    verifyClient: verifyUpgrade(origins),
  });
  const wsCleanup = useServer<Record<string, unknown>, { caller?: Caller; controller?: AbortController; client?: ClientKey }>(
    {
      schema,
      onConnect: async (ctx) => {
        const auth = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        try {
          ctx.extra.caller = await services.auth.authenticate(typeof auth === 'string' ? auth : undefined);
          ctx.extra.controller = new AbortController();
          ctx.extra.client = clientKey(ctx.extra.request.socket.remoteAddress, auth);
          if (ctx.extra.caller.tokenId) tokenSockets.add(ctx.extra.caller.tokenId, ctx.extra.socket);
          return true;
        } catch {
          return false;
        }
      },
      onClose: (ctx) => ctx.extra.controller?.abort(),
      onSubscribe: async (ctx, _id, payload) => {
        // Each operation re-checks the token (revoked or expired since the socket opened: close it) and the limits.
        try {
          if (ctx.extra.caller) await services.auth.recheck(ctx.extra.caller);
        } catch (err) {
          ctx.extra.socket.close(WS_TOKEN_REFUSED, describeError(err)?.message ?? 'Forbidden');
          return [authError(err)];
        }
        const refused = await rateLimits.socketOperation(ctx.extra.client, Object.keys(ctx.subscriptions).length);
        if (refused) return [refused];
        const checked = checkOperation(payload.query, payload.variables);
        if ('syntaxError' in checked) {
          const { message, source, positions } = checked.syntaxError;
          return [new GraphQLError(message, { source, positions, extensions: { code: 'GRAPHQL_PARSE_FAILED' } })];
        }
        return checked.errors.length ? [...checked.errors] : undefined;
      },
      // The same error mapping as HTTP: every error carries extensions.code, unexpected ones are masked.
      onNext: (_ctx, _id, _payload, _args, result) =>
        result.errors ? { ...result, errors: result.errors.map((e) => exposeOnly(formatError(e.toJSON(), e), exposure)) } : undefined,
      onError: (_ctx, _id, _payload, errors) =>
        errors.map((e) => {
          const formatted = exposeOnly(e.toJSON(), exposure);
          return formatted.extensions?.code
            ? formatted
            : { ...formatted, extensions: { ...formatted.extensions, code: 'GRAPHQL_VALIDATION_FAILED' } };
        }),
      context: (ctx): RequestContext => ({
        services,
        caller: ctx.extra.caller as Caller,
        signal: ctx.extra.controller?.signal,
        client: ctx.extra.client ?? clientKey(undefined, undefined),
        rateLimits,
      }),
    },
    wsServer,
  );

  /**
   * HTTP requests are checked before Apollo sees them (an error thrown from Apollo's requestDidStart becomes a
   * 500, and its validation would answer an operation that is also over a limit with GRAPHQL_VALIDATION_FAILED).
   * A syntax error is left to Apollo (GRAPHQL_PARSE_FAILED).
   */
  const checkHttpOperation: express.RequestHandler = (req, res, next) => {
    const params: unknown = req.method === 'GET' ? req.query : req.body;
    if (!params || typeof params !== 'object' || Array.isArray(params)) return next();
    const { query, variables } = params as { query?: unknown; variables?: unknown };
    let vars = variables;
    if (typeof vars === 'string') {
      try {
        vars = JSON.parse(vars);
      } catch {
        return next(); // Apollo refuses the malformed variables.
      }
    }
    const checked = checkOperation(query, vars);
    if ('syntaxError' in checked || !checked.errors.length) return next();
    res.status(400).json({ errors: checked.errors.map((e) => e.toJSON()) });
  };

  /** The same checks again once Apollo has the document: a persisted-query request carries only its hash. */
  const limitsPlugin: ApolloServerPlugin<RequestContext> = {
    async requestDidStart() {
      return {
        async didResolveOperation({ document, request }) {
          const errors = checkDocument(schema, document, request.variables, policy);
          if (errors[0]) throw badRequest(errors[0]);
        },
      };
    },
  };

  const apollo = new ApolloServer<RequestContext>({
    schema,
    formatError: errorFormatter(exposure),
    includeStacktraceInErrorResponses: exposure.stacktrace,
    // introspectionRule applies settings.introspection on both transports with INTROSPECTION_DISABLED; Apollo's
    // own rule would refuse first, on HTTP only, with GRAPHQL_VALIDATION_FAILED.
    introspection: true,
    csrfPrevention: true,
    // The commands own SIGINT/SIGTERM (checkpoint, drain, then exit); Apollo's handlers would stop the
    // server under them and raise the signal again, which ends the process mid-drain with 130.
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      // Apollo's landing page loads its sandbox from a CDN; browsers get the console's bundled explorer instead (below).
      ApolloServerPluginLandingPageDisabled(),
      limitsPlugin,
      graphqlTiming(services.metrics),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              tokenSockets.stop();
              uploadSweep.stop();
              await wsCleanup.dispose();
            },
          };
        },
      },
    ],
  });
  await apollo.start();

  app.use(opsRoutes(services));
  app.post('/uploads', rateLimits.middleware('uploads'), uploadRoute(services));
  app.get('/artifacts/:id', rateLimits.middleware('operations'), downloadRoute(services));
  const hasConsole = existsSync(settings.consoleDir);
  if (hasConsole) {
    // A browser opening /graphql wants something to read: the console's GraphQL explorer. API clients (JSON, */*) go on.
    app.get('/graphql', (req, res, next) => {
      if (req.accepts(['application/json', 'application/graphql-response+json', 'text/html']) !== 'text/html') return next();
      res.redirect(302, '/explorer/');
    });
  }
  app.use(
    '/graphql',
    rateLimits.middleware('operations'),
    express.json({ limit: settings.maxRequestBytes }),
    checkHttpOperation,
    expressMiddleware(apollo, {
      context: async ({ req }): Promise<RequestContext> => {
        try {
          const caller = await services.auth.authenticate(req.headers.authorization);
          return { services, caller, client: clientKey(req.socket.remoteAddress, req.headers.authorization), rateLimits };
        } catch (err) {
          throw authError(err);
        }
      },
    }),
  );

  if (hasConsole) {
    // The console's static export: pages are folders of .html files; unknown paths get its 404 page.
    app.use(express.static(settings.consoleDir, { extensions: ['html'] }));
  }
  app.use(jsonErrors);

  await new Promise<void>((resolve, reject) => {
    httpServer.once('error', reject);
    httpServer.listen(settings.port, settings.host, () => resolve());
  });
  const port = (httpServer.address() as AddressInfo).port;
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  return {
    url: `http://${host}:${port}`,
    console: existsSync(settings.consoleDir),
    port,
    async close() {
      await apollo.stop();
    },
  };
}
