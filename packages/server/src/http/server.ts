// The HTTP side: Express 5 with Apollo Server 5 on /graphql, graphql-ws on the same path for
// subscriptions, POST /uploads, GET /artifacts/:id and GET /healthz. Both transports authenticate
// with the same tokens and apply the same operation checks.

import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { GraphQLError, parse } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Caller } from '../modules/auth/auth.service.ts';
import { downloadRoute } from '../modules/artifacts/download.route.ts';
import { uploadRoute } from '../modules/datasets/upload.route.ts';
import { describeError, formatError } from '../graphql/errors.ts';
import { checkDocument, checkText, type OperationPolicy } from '../graphql/operation-checks.ts';
import type { RequestContext } from '../graphql/context.ts';
import { tuneqlSchema } from '../graphql/schema.ts';
import type { Services } from '../services.ts';

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
  const code = d?.code ?? 'UNAUTHENTICATED';
  return new GraphQLError(d?.message ?? 'unauthenticated', { extensions: { code, http: { status: code === 'FORBIDDEN' ? 403 : 401 } } });
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
  const httpServer: Server = createServer(app);

  const wsServer = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: settings.limits.maxQueryBytes * 4 });
  const wsCleanup = useServer<Record<string, unknown>, { caller?: Caller; controller?: AbortController }>(
    {
      schema,
      onConnect: async (ctx) => {
        const auth = ctx.connectionParams?.authorization ?? ctx.connectionParams?.Authorization;
        try {
          ctx.extra.caller = await services.auth.authenticate(typeof auth === 'string' ? auth : undefined);
          ctx.extra.controller = new AbortController();
          return true;
        } catch {
          return false;
        }
      },
      onClose: (ctx) => ctx.extra.controller?.abort(),
      onSubscribe: (_ctx, _id, payload) => {
        const tooBig = checkText(payload.query, policy);
        if (tooBig) return [tooBig];
        let document;
        try {
          document = parse(payload.query);
        } catch (err) {
          return [err as GraphQLError];
        }
        const errors = checkDocument(schema, document, payload.variables, policy);
        return errors.length ? [...errors] : undefined;
      },
      context: (ctx): RequestContext => ({
        services,
        caller: ctx.extra.caller as Caller,
        signal: ctx.extra.controller?.signal,
      }),
    },
    wsServer,
  );

  const limitsPlugin: ApolloServerPlugin<RequestContext> = {
    async requestDidStart({ request }) {
      const tooBig = request.query ? checkText(request.query, policy) : undefined;
      if (tooBig) throw badRequest(tooBig);
      return {
        async didResolveOperation({ document, request: r }) {
          const errors = checkDocument(schema, document, r.variables, policy);
          if (errors[0]) throw badRequest(errors[0]);
        },
      };
    },
  };

  const apollo = new ApolloServer<RequestContext>({
    schema,
    formatError,
    introspection: settings.introspection,
    csrfPrevention: true,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      limitsPlugin,
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await wsCleanup.dispose();
            },
          };
        },
      },
    ],
  });
  await apollo.start();

  app.get('/healthz', (_req, res) => {
    res.json({ ok: true });
  });
  app.post('/uploads', uploadRoute(services));
  app.get('/artifacts/:id', downloadRoute(services));
  app.use(
    '/graphql',
    express.json({ limit: Math.max(settings.limits.maxQueryBytes * 4, 100_000) }),
    expressMiddleware(apollo, {
      context: async ({ req }): Promise<RequestContext> => {
        try {
          return { services, caller: await services.auth.authenticate(req.headers.authorization) };
        } catch (err) {
          throw authError(err);
        }
      },
    }),
  );

  if (existsSync(settings.consoleDir)) {
    // The console's static export: pages are folders of .html files; unknown paths get its 404 page.
    app.use(express.static(settings.consoleDir, { extensions: ['html'] }));
  }

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
