// One mapping from domain errors to GraphQL errors: every error a client sees carries
// `extensions.code`; anything unexpected is logged and shown as INTERNAL_SERVER_ERROR without internals.

import { isStrategyError } from '@tuneql/adapters';
import { ChatTemplateError, DatasetConfigError, DatasetError, GenerationOptionError } from '@tuneql/engine';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { QueryFailedError } from 'typeorm';
import { logger } from '../ops/logger.ts';
import { StorageError } from '../storage/storage.ts';
import { RunSpecError } from '../training/run-spec.ts';

/** An error a client can act on, with a stable code and optional details (issues, field paths). */
export class AppError extends Error {
  override name = 'AppError';
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.code = code;
    this.details = details;
  }
}

/** Codes shared by every feature; each feature adds its own in `<feature>.errors.ts`. */
export const CommonErrorCode = {
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  NOT_FOUND: 'NOT_FOUND',
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;

export function notFound(what: string, id: string): AppError {
  return new AppError(CommonErrorCode.NOT_FOUND, `${what} ${id} does not exist`, { id });
}

interface ValidationLike {
  property: string;
  constraints?: Record<string, string>;
  children?: ValidationLike[];
}

function flattenValidation(errors: readonly ValidationLike[], prefix = ''): { field: string; message: string }[] {
  return errors.flatMap((e) => {
    const field = prefix ? `${prefix}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flattenValidation(e.children ?? [], field)];
  });
}

/** The domain error behind `err` as code, message and extensions; undefined for an unexpected error. */
export function describeError(err: unknown): { code: string; message: string; extensions?: Record<string, unknown> } | undefined {
  if (err instanceof AppError) return { code: err.code, message: err.message, extensions: err.details };
  if (err instanceof StorageError) return { code: err.code, message: err.message };
  if (isStrategyError(err)) {
    return { code: err.code, message: err.message, extensions: { plugin: err.plugin, path: err.path } };
  }
  if (err instanceof DatasetError) {
    // Bounded whatever the file: the message names the first few, `issues` up to 20 of each kind, `issueCounts` every kind's total.
    return {
      code: 'DATASET_INVALID',
      message: err.message,
      extensions: {
        // `code` where the issue has one (CHAT_TEMPLATE_FAILED, CONVERSATION_TOO_LONG, ...).
        issues: err.issues.map((i) => ({
          file: i.file,
          row: i.row,
          column: i.column ?? null,
          message: i.message,
          ...(i.code ? { code: i.code } : {}),
        })),
        issueCounts: err.kinds.map((k) => ({
          file: k.file,
          column: k.column ?? null,
          message: k.message,
          count: k.count,
          listed: k.listed,
        })),
        issueTotal: err.total,
      },
    };
  }
  if (err instanceof DatasetConfigError) return { code: 'DATASET_INVALID', message: err.message };
  // Generation settings and prompts are checked where they are read, naming the field; these are the net under them.
  if (err instanceof GenerationOptionError) return { code: err.code, message: err.message, extensions: { option: err.option } };
  // A model's chat template that does not parse, or fails on a conversation outside any dataset row.
  if (err instanceof ChatTemplateError) return { code: err.code, message: err.message, extensions: { template: err.template } };
  // A value PostgreSQL cannot read as its column's type (22P02), most often an id that is not a UUID: every id
  // argument is checked where it is read, so this is the net under one that was missed.
  if (err instanceof QueryFailedError && (err.driverError as { code?: string } | undefined)?.code === '22P02') {
    return {
      code: CommonErrorCode.BAD_USER_INPUT,
      message: 'a value in the request is not in the form expected (ids are UUIDs this API returned); check the ids sent',
    };
  }
  // A NUL character (U+0000) in a name, label or column: PostgreSQL stores it neither in text (22021) nor in jsonb
  // (22P05). Any string a client sends may hold one, so the net is here rather than at every column.
  const sqlState = err instanceof QueryFailedError ? (err.driverError as { code?: string } | undefined)?.code : undefined;
  if (sqlState === '22021' || sqlState === '22P05') {
    return {
      code: CommonErrorCode.BAD_USER_INPUT,
      message: 'a text in the request or in the file holds a NUL character (U+0000), which cannot be stored; remove it and try again',
    };
  }
  // Trainer settings the run spec refuses (batch size, schedule, max length...): problems name the spec paths.
  if (err instanceof RunSpecError) return { code: 'RUN_INVALID_INPUT', message: err.message, extensions: { problems: err.problems } };
  const validation = (err as { validationErrors?: ValidationLike[] } | undefined)?.validationErrors;
  if (err instanceof Error && err.name === 'ArgumentValidationError' && validation) {
    const fields = flattenValidation(validation);
    return {
      code: CommonErrorCode.BAD_USER_INPUT,
      message: `invalid input: ${fields.map((f) => `${f.field}: ${f.message}`).join('; ')}`,
      extensions: { fields },
    };
  }
  return undefined;
}

/** What error responses may show. */
export interface ErrorExposure {
  /** graphql's "Did you mean ...?" hints, which name fields: kept only while introspection is on. */
  suggestions: boolean;
  /** extensions.stacktrace (server paths): kept only with NODE_ENV=development. */
  stacktrace: boolean;
}

const SUGGESTION = / ?Did you mean [^?]*\?/g;

/** The error without what `exposure` hides. */
export function exposeOnly(formatted: GraphQLFormattedError, exposure: ErrorExposure): GraphQLFormattedError {
  let out = formatted;
  if (!exposure.suggestions && out.message.includes('Did you mean')) out = { ...out, message: out.message.replace(SUGGESTION, '') };
  if (!exposure.stacktrace && out.extensions && 'stacktrace' in out.extensions) {
    const { stacktrace: _hidden, ...extensions } = out.extensions;
    out = { ...out, extensions };
  }
  return out;
}

/** Apollo's formatError for a server: {@link formatError}, then {@link exposeOnly}. */
export function errorFormatter(exposure: ErrorExposure): (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError {
  return (formatted, error) => exposeOnly(formatError(formatted, error), exposure);
}

/** Apollo's formatError: domain errors keep their code; unexpected ones are logged and masked. */
export function formatError(formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError {
  const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
  const described = describeError(original);
  if (described) {
    return { ...formatted, message: described.message, extensions: { ...described.extensions, code: described.code } };
  }
  const code = formatted.extensions?.code;
  if (typeof code === 'string' && code !== CommonErrorCode.INTERNAL_SERVER_ERROR) return formatted;
  // graphql's own errors about the request (a variable that does not coerce to its type, or 50 such errors: "Too
  // many errors processing variables") have no path and at most a GraphQLError as their cause. Apollo codes most of
  // them BAD_USER_INPUT over HTTP but the last one INTERNAL_SERVER_ERROR, and over graphql-ws none comes coded.
  // Errors from resolvers always have a path.
  const requestError =
    error instanceof GraphQLError &&
    error.path === undefined &&
    (error.originalError === undefined || error.originalError instanceof GraphQLError);
  if (requestError) {
    return { ...formatted, extensions: { ...formatted.extensions, code: CommonErrorCode.BAD_USER_INPUT } };
  }
  logger().error(
    { err: original, path: formatted.path },
    `unexpected error: ${original instanceof Error ? original.message : String(original)}`,
  );
  return {
    message: 'internal error; the server log has the details',
    path: formatted.path,
    locations: formatted.locations,
    extensions: { code: CommonErrorCode.INTERNAL_SERVER_ERROR },
  };
}
