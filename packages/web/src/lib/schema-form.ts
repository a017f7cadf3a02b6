// A strategy's config JSON Schema (as zod 4's toJSONSchema writes it) turned into a form: the fields to render, their
// defaults, the checks to show next to them, and the config object to send. What it cannot model becomes a JSON field.

export type JsonSchema = Record<string, unknown>;

export type FieldKind = 'number' | 'integer' | 'boolean' | 'string' | 'enum' | 'string-list' | 'object' | 'choice' | 'json';

export interface FormOption {
  value: string | number | boolean | null;
  label: string;
}

/** One alternative of an anyOf/oneOf. */
export interface FormVariant {
  label: string;
  /** The alternative's schema, with a top-level $ref resolved (inner $refs are resolved in `fields`). */
  schema: JsonSchema;
  /**
   * What to render when this alternative is chosen, with absolute paths: the properties of an object alternative
   * (`['targetModules', 'regex']`), or one field at the choice's own path for any other alternative.
   */
  fields: FormField[];
}

export interface FormField {
  /** From the config's root: `['target', 'names']`. */
  path: string[];
  /** `path.join('.')`; the key of this field's message in validateValues. */
  key: string;
  /** The schema's title, else the property name split into words ('freezeLayers' reads 'Freeze layers'). */
  label: string;
  kind: FieldKind;
  description?: string;
  required: boolean;
  /** The schema's default, as in the schema (a 'json' field's form value is this as JSON text; see defaultValues). */
  default?: unknown;
  /** Bounds of a number; zod's ±Number.MAX_SAFE_INTEGER bounds of every integer are left out as noise. */
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  multipleOf?: number;
  /** Kind 'enum': the allowed values (from enum, const, or an anyOf/oneOf of them). */
  options?: FormOption[];
  /** Kind 'object': one field per property. */
  children?: FormField[];
  /** Kind 'choice': the alternatives of an anyOf/oneOf (or of a type list such as ['number', 'string']). */
  variants?: FormVariant[];
  /** The schema also allows null (zod's .nullable()): a blank required field is sent as null. */
  nullable?: boolean;
}

type Primitive = string | number | boolean | null;

/** Object fields nested deeper than this (a recursive $ref) become JSON fields. */
const MAX_DEPTH = 8;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isPrimitive = (v: unknown): v is Primitive => v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
const text = (v: unknown): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v : undefined);
const lastOf = (path: readonly string[]): string => path[path.length - 1] ?? '';
const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T));

/** 'freezeLayers' -> 'Freeze layers', 'eval_batch_size' -> 'Eval batch size', 'maxHTTPRetries' -> 'Max HTTP retries'. */
export function humanize(name: string): string {
  const words = name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[\s_\-.]+/)
    .filter(Boolean)
    .map((w) => (/^[A-Z0-9]{2,}$/.test(w) ? w : w.toLowerCase()));
  const joined = words.join(' ');
  return joined.charAt(0).toUpperCase() + joined.slice(1);
}

// ---- $ref resolution and classification ----

function pointer(root: JsonSchema, ref: string): JsonSchema | undefined {
  if (ref === '#') return root;
  if (!ref.startsWith('#/')) return undefined; // only references inside the document
  let node: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const part = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    node = isRecord(node) ? node[part] : undefined;
  }
  return isRecord(node) ? node : undefined;
}

/** The schema with its $ref (if any) followed; keywords beside the $ref win, as in draft 2020-12. */
function resolve(root: JsonSchema, schema: JsonSchema, depth = 0): JsonSchema {
  const ref = schema.$ref;
  if (typeof ref !== 'string') return schema;
  const target = depth < 32 ? pointer(root, ref) : undefined;
  const { $ref: _, ...siblings } = schema;
  // An unresolvable reference leaves no keyword to model, so the field falls back to JSON.
  return target ? { ...resolve(root, target, depth + 1), ...siblings } : siblings;
}

function isNullSchema(s: JsonSchema): boolean {
  return (s.type === 'null' && s.enum === undefined) || s.const === null;
}

function enumOptions(s: JsonSchema): FormOption[] | undefined {
  const values = s.const !== undefined ? [s.const] : Array.isArray(s.enum) ? (s.enum as unknown[]) : undefined;
  if (!values?.length || !values.every(isPrimitive)) return undefined;
  const title = values.length === 1 ? text(s.title) : undefined;
  return values.map((value) => ({ value, label: title ?? String(value) }));
}

interface Shape {
  kind: FieldKind;
  /** The schema that carries the kind's keywords (for a nullable anyOf, its non-null alternative). */
  schema: JsonSchema;
  nullable: boolean;
  options?: FormOption[];
  /** Kind 'choice': the alternatives, resolved. */
  variants?: JsonSchema[];
}

function classify(root: JsonSchema, schema: JsonSchema): Shape {
  const s = resolve(root, schema);
  const json: Shape = { kind: 'json', schema: s, nullable: false };
  // Keywords that combine or constrain schemas in ways a form cannot show.
  if (s.allOf !== undefined || s.not !== undefined || s.if !== undefined || s.patternProperties !== undefined) return json;
  if (s.const !== undefined || s.enum !== undefined) {
    const options = enumOptions(s);
    return options ? { kind: 'enum', schema: s, nullable: false, options } : json;
  }
  const alternatives = s.anyOf ?? s.oneOf;
  if (Array.isArray(alternatives)) {
    const all = alternatives.map((a) => resolve(root, isRecord(a) ? a : {}));
    const nonNull = all.filter((a) => !isNullSchema(a));
    const nullable = nonNull.length < all.length;
    const [only] = nonNull;
    if (!only) return json;
    if (nonNull.length === 1) {
      const inner = classify(root, only);
      return { ...inner, nullable: inner.nullable || nullable };
    }
    const optionLists = nonNull.map(enumOptions);
    if (optionLists.every((o) => o !== undefined)) {
      const options: FormOption[] = [];
      for (const o of optionLists.flat()) if (!options.some((p) => p.value === o.value)) options.push(o);
      return { kind: 'enum', schema: s, nullable, options };
    }
    return { kind: 'choice', schema: s, nullable, variants: nonNull };
  }
  let type = s.type;
  let nullable = false;
  if (Array.isArray(type)) {
    const types = type.filter((t): t is string => typeof t === 'string');
    const nonNull = types.filter((t) => t !== 'null');
    nullable = nonNull.length < types.length;
    if (nonNull.length > 1) return { kind: 'choice', schema: s, nullable, variants: nonNull.map((t) => ({ ...s, type: t })) };
    type = nonNull[0];
  }
  switch (type) {
    case 'number':
    case 'integer':
    case 'boolean':
    case 'string':
      return { kind: type, schema: s, nullable };
    case 'array': {
      const items = isRecord(s.items) ? resolve(root, s.items) : undefined;
      const plainStrings = items?.type === 'string' && items.enum === undefined && items.const === undefined && s.prefixItems === undefined;
      return plainStrings ? { kind: 'string-list', schema: s, nullable } : { ...json, nullable };
    }
    case 'object':
    case undefined:
      return isRecord(s.properties) ? { kind: 'object', schema: s, nullable } : { ...json, nullable };
    default:
      return { ...json, nullable };
  }
}

// ---- fields ----

function boundsOf(s: JsonSchema, field: FormField): void {
  const num = (v: unknown): number | undefined =>
    typeof v === 'number' && Number.isFinite(v) && Math.abs(v) !== Number.MAX_SAFE_INTEGER ? v : undefined;
  const minimum = num(s.minimum);
  const maximum = num(s.maximum);
  // Draft 4 wrote exclusive bounds as booleans beside minimum/maximum.
  if (s.exclusiveMinimum === true && minimum !== undefined) field.exclusiveMinimum = minimum;
  else if (minimum !== undefined) field.minimum = minimum;
  if (s.exclusiveMaximum === true && maximum !== undefined) field.exclusiveMaximum = maximum;
  else if (maximum !== undefined) field.maximum = maximum;
  const exMin = num(s.exclusiveMinimum);
  const exMax = num(s.exclusiveMaximum);
  const multipleOf = num(s.multipleOf);
  if (exMin !== undefined) field.exclusiveMinimum = exMin;
  if (exMax !== undefined) field.exclusiveMaximum = exMax;
  if (multipleOf !== undefined && multipleOf > 0) field.multipleOf = multipleOf;
}

function buildField(root: JsonSchema, schema: JsonSchema, path: string[], required: boolean, depth: number): FormField {
  const s = resolve(root, schema);
  const shape = classify(root, s);
  const eff = shape.schema;
  const kind = shape.kind === 'object' && depth >= MAX_DEPTH ? 'json' : shape.kind;
  const field: FormField = {
    path,
    key: path.join('.'),
    label: text(s.title) ?? text(eff.title) ?? humanize(lastOf(path)),
    kind,
    required,
  };
  const description = text(s.description) ?? text(eff.description);
  if (description !== undefined) field.description = description;
  const def = s.default !== undefined ? s.default : eff.default;
  if (def !== undefined) field.default = def;
  if (shape.nullable) field.nullable = true;
  if (kind === 'number' || kind === 'integer') boundsOf(eff, field);
  else if (kind === 'enum') field.options = shape.options ?? [];
  else if (kind === 'object') field.children = objectFields(root, eff, path, depth + 1);
  else if (kind === 'choice') field.variants = variantsOf(root, shape.variants ?? [], path, depth + 1);
  return field;
}

function objectFields(root: JsonSchema, s: JsonSchema, path: string[], depth: number): FormField[] {
  const properties = isRecord(s.properties) ? s.properties : {};
  const required = new Set(Array.isArray(s.required) ? s.required : []);
  return Object.entries(properties).map(([name, p]) => buildField(root, isRecord(p) ? p : {}, [...path, name], required.has(name), depth));
}

const KIND_LABELS: Record<FieldKind, string> = {
  number: 'Number',
  integer: 'Whole number',
  boolean: 'Yes or no',
  string: 'Text',
  enum: 'Option',
  'string-list': 'List',
  object: 'Object',
  choice: 'Choice',
  json: 'JSON',
};

function variantLabel(root: JsonSchema, v: JsonSchema, shape: Shape): string {
  const title = text(v.title);
  if (title) return title;
  if (shape.kind === 'enum') return (shape.options ?? []).map((o) => o.label).join(' / ');
  if (shape.kind === 'object') {
    const properties = isRecord(shape.schema.properties) ? shape.schema.properties : {};
    // A discriminated union names each alternative by its constant tag.
    for (const p of Object.values(properties)) {
      const tag = isRecord(p) ? resolve(root, p).const : undefined;
      if (typeof tag === 'string' || typeof tag === 'number') return String(tag);
    }
    const names = Object.keys(properties);
    return names.length ? humanize(names.join(' and ')) : 'Empty object';
  }
  return KIND_LABELS[shape.kind];
}

function variantsOf(root: JsonSchema, alternatives: JsonSchema[], path: string[], depth: number): FormVariant[] {
  const variants = alternatives.map((v): FormVariant => {
    const shape = classify(root, v);
    const label = variantLabel(root, v, shape);
    if (shape.kind === 'object' && depth < MAX_DEPTH) return { label, schema: v, fields: objectFields(root, shape.schema, path, depth) };
    const single = buildField(root, v, path, true, depth);
    single.label = label;
    return { label, schema: v, fields: [single] };
  });
  // Two alternatives of one kind would read alike in a selector.
  const seen = new Map<string, number>();
  for (const v of variants) seen.set(v.label, (seen.get(v.label) ?? 0) + 1);
  variants.forEach((v, i) => {
    if ((seen.get(v.label) ?? 0) > 1) v.label = `${v.label} (${i + 1})`;
  });
  return variants;
}

/** The fields of a config schema, one per top-level property; a schema that is not an object has none. */
export function formFields(schema: JsonSchema): FormField[] {
  const shape = classify(schema, schema);
  return shape.kind === 'object' ? objectFields(schema, shape.schema, [], 0) : [];
}

// ---- values ----

function fieldDefault(field: FormField): unknown {
  if (field.default !== undefined) return field.kind === 'json' ? JSON.stringify(field.default, null, 2) : clone(field.default);
  if (field.kind === 'object' && field.required) return defaultsOf(field.children ?? []);
  if (field.kind === 'enum' && field.required && field.options?.length === 1) return field.options[0]?.value;
  return undefined;
}

function defaultsOf(fields: readonly FormField[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const d = fieldDefault(f);
    if (d !== undefined) out[lastOf(f.path)] = d;
  }
  return out;
}

/**
 * The form's starting values: each property's default, nested for required objects (and a required constant
 * filled in). Optional fields without a default are absent. A 'json' field's value is JSON text.
 */
export function defaultValues(schema: JsonSchema): Record<string, unknown> {
  return defaultsOf(formFields(schema));
}

/** The value a field starts with when it appears: its default, else an empty value of its kind. */
export function initialValue(field: FormField): unknown {
  const d = fieldDefault(field);
  if (d !== undefined) return d;
  switch (field.kind) {
    case 'boolean':
      return false;
    case 'string-list':
      return [];
    case 'object':
      return defaultsOf(field.children ?? []);
    case 'enum':
      return field.options?.length === 1 ? field.options[0]?.value : '';
    case 'choice':
      return field.variants?.length ? variantValue(field, 0) : '';
    default:
      return '';
  }
}

function isSingle(field: FormField, v: FormVariant): v is FormVariant & { fields: [FormField] } {
  return v.fields.length === 1 && v.fields[0]?.key === field.key;
}

/** The value to put in a choice field when the user switches it to variant `index`. */
export function variantValue(field: FormField, index: number): unknown {
  const v = field.variants?.[index];
  if (!v) return undefined;
  if (isSingle(field, v)) return initialValue(v.fields[0]);
  const out: Record<string, unknown> = {};
  for (const f of v.fields) {
    const d = f.required ? initialValue(f) : fieldDefault(f);
    if (d !== undefined) out[lastOf(f.path)] = d;
  }
  return out;
}

type ValueType = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object' | 'undefined';

function valueType(v: unknown): ValueType {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  const t = typeof v;
  return t === 'boolean' || t === 'number' || t === 'string' || t === 'undefined' ? t : 'object';
}

function fieldAccepts(f: FormField, value: unknown, exact: boolean): boolean {
  const t = valueType(value);
  switch (f.kind) {
    case 'enum':
      return (f.options ?? []).some((o) => (exact ? o.value === value : valueType(o.value) === t));
    case 'number':
    case 'integer':
      return t === 'number';
    case 'boolean':
      return t === 'boolean';
    case 'string':
      return t === 'string';
    case 'string-list':
      return t === 'array';
    case 'object':
      return t === 'object';
    case 'choice':
      return (f.variants ?? []).some((v) => v.fields.some((g) => g.key === f.key && fieldAccepts(g, value, exact)));
    case 'json':
      return true;
  }
}

/**
 * Which variant of a choice field the value belongs to, by its shape ('all-linear' -> the constant, an array -> the
 * list, an object -> the object whose constant tags it carries); -1 for no value or none that fits. Keep the user's
 * pick in component state once made: a half-typed value may fit another variant.
 */
export function matchVariant(field: FormField, value: unknown): number {
  const variants = field.variants ?? [];
  if (value === undefined) return -1;
  for (const exact of [true, false]) {
    const i = variants.findIndex((v) => {
      if (isSingle(field, v)) return fieldAccepts(v.fields[0], value, exact);
      if (!isRecord(value)) return false;
      if (!exact) return true;
      // Every constant tag the object carries must agree with this variant's.
      return v.fields.every((f) => {
        const given = value[lastOf(f.path)];
        return given === undefined || f.kind !== 'enum' || f.options?.length !== 1 || f.options[0]?.value === given;
      });
    });
    if (i >= 0) return i;
  }
  return -1;
}

/** The value at `path` in nested form values. */
export function valueAt(values: Record<string, unknown>, path: readonly string[]): unknown {
  let node: unknown = values;
  for (const part of path) node = isRecord(node) ? node[part] : undefined;
  return node;
}

/** A copy of `values` with `value` at `path` (undefined removes it); what lies in between becomes an object. */
export function withValueAt(values: Record<string, unknown>, path: readonly string[], value: unknown): Record<string, unknown> {
  const [head, ...rest] = path;
  if (head === undefined) return isRecord(value) ? value : values;
  const out = { ...values };
  const next = rest.length ? withValueAt(isRecord(values[head]) ? values[head] : {}, rest, value) : value;
  if (next === undefined) delete out[head];
  else out[head] = next;
  return out;
}

// ---- checking and converting ----

interface Pass {
  root: JsonSchema;
  errors: Record<string, string>;
  /** Values come from form inputs: numbers and booleans may be strings, a blank input means "not given". */
  form: boolean;
}

function fail(pass: Pass, path: readonly string[], message: string): void {
  const key = path.join('.');
  pass.errors[key] ??= message;
}

/** Runs `check` on its own error map and files what it found under `path`, each message prefixed by `where`. */
function nested(pass: Pass, path: readonly string[], check: (inner: Pass) => unknown, where: (rest: string[]) => string): unknown {
  const inner: Pass = { ...pass, errors: {} };
  const value = check(inner);
  const depth = path.length;
  for (const [key, message] of Object.entries(inner.errors)) {
    const rest = key === '' ? [] : key.split('.').slice(depth);
    const prefix = where(rest);
    fail(pass, path, prefix ? `${prefix}: ${message}` : message);
  }
  return value;
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/i;
const fmt = (n: number): string => String(n);

function isBlank(pass: Pass, v: unknown, shape: Shape): boolean {
  if (v === undefined) return true;
  if (!pass.form) return false;
  if (v === null || (typeof v === 'string' && v.trim() === '')) return true;
  // An optional group left untouched is not sent; a choice's object is the user's pick, so it is checked instead.
  if (shape.kind === 'object' && isRecord(v)) {
    const properties = isRecord(shape.schema.properties) ? shape.schema.properties : {};
    return Object.entries(v).every(([k, x]) => {
      const p = properties[k];
      return isBlank(pass, x, classify(pass.root, isRecord(p) ? p : {}));
    });
  }
  return false;
}

function normalize(pass: Pass, schema: JsonSchema, raw: unknown, path: string[]): unknown {
  const s = resolve(pass.root, schema);
  const shape = classify(pass.root, s);
  if (raw === null && (shape.nullable || isNullSchema(s))) return null;
  const eff = shape.schema;
  switch (shape.kind) {
    case 'enum':
      return checkEnum(pass, shape.options ?? [], raw, path);
    case 'number':
    case 'integer':
      return checkNumber(pass, eff, raw, path, shape.kind === 'integer');
    case 'boolean':
      return checkBoolean(pass, raw, path);
    case 'string':
      return checkString(pass, eff, raw, path);
    case 'string-list':
      return checkArray(pass, eff, raw, path, true);
    case 'object':
      return checkObject(pass, eff, raw, path);
    case 'choice':
      return checkChoice(pass, shape.variants ?? [], raw, path);
    case 'json':
      return pass.form ? checkJsonText(pass, s, raw, path) : checkOther(pass, s, raw, path);
  }
}

function checkEnum(pass: Pass, options: readonly FormOption[], raw: unknown, path: string[]): unknown {
  const hit = options.find((o) => o.value === raw) ?? (pass.form ? options.find((o) => String(o.value) === String(raw)) : undefined);
  if (hit) return hit.value;
  fail(pass, path, options.length === 1 ? `must be ${options[0]?.label}` : `must be one of ${options.map((o) => o.label).join(', ')}`);
  return raw;
}

function checkNumber(pass: Pass, s: JsonSchema, raw: unknown, path: string[], integer: boolean): unknown {
  let v = raw;
  if (pass.form && typeof raw === 'string') v = NUMBER.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    fail(pass, path, 'must be a number');
    return raw;
  }
  // Unlike the form field's bounds, the safe-integer ones count here: the server checks them.
  const num = (b: unknown): number | undefined => (typeof b === 'number' ? b : undefined);
  const min = s.exclusiveMinimum === true ? undefined : num(s.minimum);
  const max = s.exclusiveMaximum === true ? undefined : num(s.maximum);
  const exMin = num(s.exclusiveMinimum) ?? (s.exclusiveMinimum === true ? num(s.minimum) : undefined);
  const exMax = num(s.exclusiveMaximum) ?? (s.exclusiveMaximum === true ? num(s.maximum) : undefined);
  const step = num(s.multipleOf);
  if (integer && !Number.isInteger(v)) fail(pass, path, 'must be a whole number');
  else if (min !== undefined && v < min) fail(pass, path, `must be at least ${fmt(min)}`);
  else if (exMin !== undefined && v <= exMin) fail(pass, path, `must be greater than ${fmt(exMin)}`);
  else if (max !== undefined && v > max) fail(pass, path, `must be at most ${fmt(max)}`);
  else if (exMax !== undefined && v >= exMax) fail(pass, path, `must be less than ${fmt(exMax)}`);
  else if (step !== undefined && step > 0) {
    const q = v / step;
    if (Math.abs(q - Math.round(q)) > 1e-9 * Math.max(1, Math.abs(q))) fail(pass, path, `must be a multiple of ${fmt(step)}`);
  }
  return v;
}

function checkBoolean(pass: Pass, raw: unknown, path: string[]): unknown {
  if (typeof raw === 'boolean') return raw;
  if (pass.form && (raw === 'true' || raw === 'false')) return raw === 'true';
  fail(pass, path, 'must be true or false');
  return raw;
}

function checkString(pass: Pass, s: JsonSchema, raw: unknown, path: string[]): unknown {
  if (typeof raw !== 'string') {
    fail(pass, path, 'must be text');
    return raw;
  }
  const length = [...raw].length; // JSON Schema counts code points
  const plural = (n: number) => `${n} character${n === 1 ? '' : 's'}`;
  if (typeof s.minLength === 'number' && length < s.minLength) {
    fail(pass, path, length === 0 ? 'must not be empty' : `must be at least ${plural(s.minLength)}`);
  } else if (typeof s.maxLength === 'number' && length > s.maxLength) fail(pass, path, `must be at most ${plural(s.maxLength)}`);
  else if (typeof s.pattern === 'string') {
    let re: RegExp | undefined;
    try {
      re = new RegExp(s.pattern, 'u');
    } catch {} // a pattern this engine cannot compile is left to the server
    if (re && !re.test(raw)) fail(pass, path, `must match ${s.pattern}`);
  }
  return raw;
}

function checkArray(pass: Pass, s: JsonSchema, raw: unknown, path: string[], stringList: boolean): unknown {
  let list = raw;
  if (pass.form && stringList) {
    // A list typed into one box: one item per line or comma. Blank rows of a list editor are not items.
    if (typeof raw === 'string') list = raw.split(/[\n,]/);
    if (Array.isArray(list)) list = list.map((x) => (typeof x === 'string' ? x.trim() : x)).filter((x) => x !== '');
  }
  if (!Array.isArray(list)) {
    fail(pass, path, 'must be a list');
    return raw;
  }
  const items = isRecord(s.items) ? s.items : undefined;
  const out = items
    ? list.map((item, i) =>
        nested(
          pass,
          path,
          (inner) => normalize(inner, items, item, [...path, String(i)]),
          (rest) => [`item ${Number(rest[0]) + 1}`, ...rest.slice(1)].join('.'),
        ),
      )
    : list;
  const n = out.length;
  const count = (k: number) => `${k} item${k === 1 ? '' : 's'}`;
  if (typeof s.minItems === 'number' && n < s.minItems) fail(pass, path, `must have at least ${count(s.minItems)}`);
  if (typeof s.maxItems === 'number' && n > s.maxItems) fail(pass, path, `must have at most ${count(s.maxItems)}`);
  if (s.uniqueItems === true) {
    const seen = new Set<string>();
    for (const x of out) {
      const k = JSON.stringify(x);
      if (seen.has(k)) fail(pass, path, `must not repeat ${k}`);
      seen.add(k);
    }
  }
  return out;
}

function checkObject(pass: Pass, s: JsonSchema, raw: unknown, path: string[]): unknown {
  if (!isRecord(raw)) {
    fail(pass, path, 'must be an object');
    return raw;
  }
  const properties = isRecord(s.properties) ? s.properties : {};
  const required = new Set(Array.isArray(s.required) ? s.required : []);
  const out: Record<string, unknown> = {};
  for (const [name, p] of Object.entries(properties)) {
    const schema = isRecord(p) ? p : {};
    const v = raw[name];
    const shape = classify(pass.root, schema);
    if (isBlank(pass, v, shape)) {
      if (!required.has(name)) continue;
      // A required group is checked field by field, so the message lands on the field that needs a value.
      if (pass.form && shape.kind === 'object') out[name] = normalize(pass, schema, isRecord(v) ? v : {}, [...path, name]);
      else if (pass.form && shape.nullable) out[name] = null;
      else fail(pass, [...path, name], 'required');
      continue;
    }
    out[name] = normalize(pass, schema, v, [...path, name]);
  }
  const known = Object.keys(properties);
  for (const [name, v] of Object.entries(raw)) {
    if (name in properties || v === undefined || (pass.form && (v === null || v === ''))) continue;
    const extra = s.additionalProperties;
    if (extra === false) {
      fail(
        pass,
        [...path, name],
        known.length ? `unknown option '${name}'; the options are ${known.join(', ')}` : `unknown option '${name}'; this takes no options`,
      );
    }
    // Sent even when unknown, like any invalid value: the server's answer then names it too.
    out[name] = isRecord(extra) ? normalize(pass, extra, v, [...path, name]) : v;
  }
  return out;
}

function checkChoice(pass: Pass, variants: readonly JsonSchema[], raw: unknown, path: string[]): unknown {
  for (const v of variants) {
    const trial: Pass = { ...pass, errors: {} };
    const value = normalize(trial, v, raw, path);
    if (Object.keys(trial.errors).length === 0) return value;
  }
  // Nothing fits: report against the variant the value looks like, so the message names the real problem.
  const field = buildField(pass.root, { anyOf: variants }, path, true, 0);
  const guess = matchVariant(field, raw);
  const chosen = variants[guess];
  if (chosen) return normalize(pass, chosen, raw, path);
  fail(pass, path, `must be one of: ${(field.variants ?? []).map((v) => v.label).join('; ')}`);
  return raw;
}

function checkJsonText(pass: Pass, s: JsonSchema, raw: unknown, path: string[]): unknown {
  let value = raw;
  if (typeof raw === 'string') {
    try {
      value = JSON.parse(raw);
    } catch (err) {
      fail(pass, path, `must be valid JSON (${(err as Error).message})`);
      return raw;
    }
  }
  return nested(
    { ...pass, form: false },
    path,
    (inner) => normalize(inner, s, value, path),
    (rest) => rest.join('.'),
  );
}

const JSON_TYPES: Record<string, (v: unknown) => boolean> = {
  null: (v) => v === null,
  boolean: (v) => typeof v === 'boolean',
  number: (v) => typeof v === 'number',
  integer: (v) => Number.isInteger(v),
  string: (v) => typeof v === 'string',
  array: (v) => Array.isArray(v),
  object: isRecord,
};

/** What the form does not model, checked as far as the common keywords go; the server's validator has the last word. */
function checkOther(pass: Pass, s: JsonSchema, raw: unknown, path: string[]): unknown {
  if (Array.isArray(s.allOf)) for (const part of s.allOf) if (isRecord(part)) normalize(pass, part, raw, path);
  const types = (Array.isArray(s.type) ? s.type : typeof s.type === 'string' ? [s.type] : []).filter((t): t is string => t in JSON_TYPES);
  if (types.length && !types.some((t) => JSON_TYPES[t]?.(raw))) {
    fail(
      pass,
      path,
      `must be ${types.map((t) => (t === 'integer' ? 'a whole number' : t === 'object' || t === 'array' ? `an ${t}` : `a ${t}`)).join(' or ')}`,
    );
    return raw;
  }
  if (typeof raw === 'number') return checkNumber(pass, s, raw, path, false);
  if (typeof raw === 'string') return checkString(pass, s, raw, path);
  if (Array.isArray(raw)) return checkArray(pass, s, raw, path, false);
  if (isRecord(raw)) return checkObject(pass, s, raw, path);
  return raw;
}

/**
 * Problems with form values, by field key ('r', 'targetModules.regex'): 'required', 'must be at least 1',
 * 'must be a whole number', 'must be one of none, all, lora_only', unknown options where additionalProperties is
 * false... A list's item and a JSON field's inner problem are filed under the list's or field's key. Empty: valid.
 * Cross-field rules (zod refinements) are not in JSON Schema; the server still checks those.
 */
export function validateValues(schema: JsonSchema, values: Record<string, unknown>): Record<string, string> {
  const pass: Pass = { root: schema, errors: {}, form: true };
  normalize(pass, schema, values, []);
  return pass.errors;
}

/**
 * The config to send: numbers and booleans from their input strings, enum values in their own type, lists from
 * text, JSON fields parsed, blank optional fields (and untouched optional groups) left out. Invalid values are
 * passed through as given, so the server's error names them.
 */
export function toConfig(schema: JsonSchema, values: Record<string, unknown>): Record<string, unknown> {
  const pass: Pass = { root: schema, errors: {}, form: true };
  const config = normalize(pass, schema, values, []);
  return isRecord(config) ? config : {};
}
