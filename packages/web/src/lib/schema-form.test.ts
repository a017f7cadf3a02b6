import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ia3 } from '../../../../plugins/ia3/src/index.ts';
// The console package does not depend on the strategies; the tests reach them by path to check against the real validators.
import { bottleneck, createRegistry, full, lora, partial, type Strategy, z } from '../../../adapters/src/index.ts';
import {
  defaultValues,
  type FieldKind,
  type FormField,
  formFields,
  humanize,
  type JsonSchema,
  matchVariant,
  toConfig,
  validateValues,
  valueAt,
  variantValue,
  withValueAt,
} from './schema-form.ts';

// Regenerate with: node packages/web/scripts/dump-strategy-schemas.ts
const schemas = JSON.parse(readFileSync(new URL('./fixtures/strategy-schemas.json', import.meta.url), 'utf8')) as Record<
  string,
  JsonSchema
>;

const strategies: Record<string, Strategy> = { full, partial, lora, bottleneck, ia3 };

const expectedKinds: Record<string, Record<string, FieldKind>> = {
  full: {},
  partial: { freezeEmbeddings: 'boolean', freezeLayers: 'integer', trainLayers: 'integer', headOnly: 'boolean', unfreezeEvery: 'integer' },
  lora: {
    r: 'integer',
    alpha: 'number',
    dropout: 'number',
    targetModules: 'choice',
    bias: 'enum',
    useRslora: 'boolean',
    modulesToSave: 'string-list',
    // A list of token ids: no field of its own, edited as JSON ([28, 92]).
    trainableTokenIndices: 'json',
  },
  bottleneck: {
    variant: 'enum',
    reductionFactor: 'number',
    nonLinearity: 'enum',
    initWeights: 'enum',
    residual: 'boolean',
    trainLayerNorms: 'boolean',
    modulesToSave: 'string-list',
  },
  ia3: { targetModules: 'choice', feedforwardModules: 'choice', modulesToSave: 'string-list' },
};

/** A value just outside the field's bounds, or undefined when it has none. */
function outOfRange(f: FormField): number | undefined {
  if (f.minimum !== undefined) return f.minimum - 1;
  if (f.exclusiveMinimum !== undefined) return f.exclusiveMinimum;
  if (f.maximum !== undefined) return f.maximum + 1;
  if (f.exclusiveMaximum !== undefined) return f.exclusiveMaximum;
  return undefined;
}

describe('the strategies’ schemas', () => {
  it('the fixture holds every strategy the registry knows, as the registry writes it now', () => {
    const registry = createRegistry();
    registry.register(ia3, '@tuneql/plugin-ia3');
    expect(Object.keys(schemas).sort()).toEqual(
      registry
        .list()
        .map((s) => s.id)
        .sort(),
    );
    // A stale fixture would test yesterday's forms: rerun scripts/dump-strategy-schemas.ts when this fails.
    for (const id of Object.keys(schemas)) expect(schemas[id], id).toEqual(registry.jsonSchema(id));
  });

  for (const [id, schema] of Object.entries(schemas)) {
    const strategy = strategies[id] as Strategy;
    const parse = (config: unknown) => strategy.configSchema.safeParse(config);

    describe(id, () => {
      const fields = formFields(schema);

      it('one field per top-level property, of the right kind', () => {
        expect(Object.fromEntries(fields.map((f) => [f.key, f.kind]))).toEqual(expectedKinds[id]);
        const properties = schema.properties as Record<string, JsonSchema>;
        const required = new Set((schema.required as string[] | undefined) ?? []);
        for (const f of fields) {
          expect(f.path).toEqual([f.key]);
          expect(f.label.length).toBeGreaterThan(0);
          expect(f.description).toBe(properties[f.key]?.description);
          expect(f.required).toBe(required.has(f.key));
          expect(f.default).toEqual(properties[f.key]?.default);
          if (f.kind === 'enum') expect(f.options?.map((o) => o.value)).toEqual(properties[f.key]?.enum);
        }
      });

      it('defaults are the schema’s defaults, and what the strategy fills in for an empty config', () => {
        const defaults = defaultValues(schema);
        const properties = schema.properties as Record<string, JsonSchema>;
        const fromSchema = Object.fromEntries(
          Object.entries(properties)
            .filter(([, p]) => p.default !== undefined)
            .map(([k, p]) => [k, p.default]),
        );
        expect(defaults).toEqual(fromSchema);
        expect(defaults).toEqual(strategy.configSchema.parse({}));
      });

      it('accepts its defaults, and toConfig of them passes the strategy’s own validator unchanged', () => {
        const defaults = defaultValues(schema);
        expect(validateValues(schema, defaults)).toEqual({});
        const config = toConfig(schema, defaults);
        expect(strategy.configSchema.parse(config)).toEqual(config);
      });

      it('rejects out-of-range numbers, fractions for integers and unknown enum values, as the strategy does', () => {
        let checked = 0;
        for (const f of fields) {
          const bad: unknown[] = [];
          const range = outOfRange(f);
          if ((f.kind === 'number' || f.kind === 'integer') && range !== undefined) bad.push(range);
          if (f.kind === 'integer') bad.push(1.5, '2.5');
          if (f.kind === 'number' || f.kind === 'integer') bad.push('abc');
          if (f.kind === 'enum') bad.push('no-such-option');
          if (f.kind === 'boolean') bad.push('maybe');
          if (f.kind === 'string-list') bad.push(42);
          for (const value of bad) {
            const values = { ...defaultValues(schema), [f.key]: value };
            const errors = validateValues(schema, values);
            expect(Object.keys(errors), `${id}.${f.key} = ${JSON.stringify(value)}`).toEqual([f.key]);
            expect(errors[f.key]).toMatch(/^must /);
            expect(parse(toConfig(schema, values)).success, `${id}.${f.key} = ${JSON.stringify(value)} passes zod`).toBe(false);
            checked++;
          }
        }
        expect(checked > 0 || fields.length === 0).toBe(true);
      });

      it('coerces the strings a form holds, and leaves blank optional fields out', () => {
        const values: Record<string, unknown> = {};
        for (const f of fields) {
          if (f.default === undefined) values[f.key] = '';
          else if (typeof f.default === 'number' || typeof f.default === 'boolean') values[f.key] = String(f.default);
          else values[f.key] = f.default;
        }
        expect(validateValues(schema, values)).toEqual({});
        const config = toConfig(schema, values);
        expect(config).toEqual(strategy.configSchema.parse({}));
      });

      it('names an unknown option', () => {
        const errors = validateValues(schema, { ...defaultValues(schema), rnak: 4 });
        expect(errors).toEqual({ rnak: expect.stringMatching(/^unknown option 'rnak'/) });
        expect(parse(toConfig(schema, { rnak: 4 })).success).toBe(false);
      });
    });
  }
});

describe('LoRA’s form in detail', () => {
  const schema = schemas.lora as JsonSchema;
  const fields = formFields(schema);
  const field = (key: string) => fields.find((f) => f.key === key) as FormField;
  const check = (values: Record<string, unknown>) => validateValues(schema, { ...defaultValues(schema), ...values });

  it('labels, bounds and options', () => {
    expect(fields.map((f) => f.label)).toEqual([
      'R',
      'Alpha',
      'Dropout',
      'Target modules',
      'Bias',
      'Use rslora',
      'Modules to save',
      'Trainable token indices',
    ]);
    expect(field('r')).toMatchObject({ kind: 'integer', minimum: 1, default: 8, required: false });
    expect(field('r').maximum).toBe(4096); // LoRA's own bound (inject also holds r to the layers' width)
    expect(field('alpha')).toMatchObject({ exclusiveMinimum: 0, maximum: 65536 });
    expect(field('dropout')).toMatchObject({ minimum: 0, exclusiveMaximum: 1 });
    expect(field('bias').options).toEqual([
      { value: 'none', label: 'none' },
      { value: 'all', label: 'all' },
      { value: 'lora_only', label: 'lora_only' },
    ]);
  });

  it('messages', () => {
    expect(check({ r: 0 })).toEqual({ r: 'must be at least 1' });
    expect(check({ r: 1.5 })).toEqual({ r: 'must be a whole number' });
    expect(check({ r: 'eight' })).toEqual({ r: 'must be a number' });
    expect(check({ r: 1e9 })).toEqual({ r: 'must be at most 4096' });
    expect(check({ alpha: 0 })).toEqual({ alpha: 'must be greater than 0' });
    expect(check({ dropout: 1 })).toEqual({ dropout: 'must be less than 1' });
    expect(check({ bias: 'some' })).toEqual({ bias: 'must be one of none, all, lora_only' });
    expect(check({ useRslora: 'yes' })).toEqual({ useRslora: 'must be true or false' });
    expect(check({ modulesToSave: 'classifier' })).toEqual({});
  });

  it('the target modules choice: each variant round-trips through zod, and a bad one is reported where it is', () => {
    const targets = field('targetModules');
    expect(targets.variants?.map((v) => v.label)).toEqual(['all-linear', 'List', 'Regex']);
    expect(targets.variants?.map((v) => v.fields.map((f) => `${f.key}:${f.kind}`))).toEqual([
      ['targetModules:enum'],
      ['targetModules:string-list'],
      ['targetModules.regex:string'],
    ]);
    const good: [unknown, unknown][] = [
      ['all-linear', 'all-linear'],
      [
        ['query', 'value'],
        ['query', 'value'],
      ],
      ['query, value', ['query', 'value']], // typed into one box
      [{ regex: '.*\\.query' }, { regex: '.*\\.query' }],
    ];
    for (const [value, sent] of good) {
      expect(check({ targetModules: value }), JSON.stringify(value)).toEqual({});
      const config = toConfig(schema, { targetModules: value });
      expect(config.targetModules).toEqual(sent);
      expect(lora.configSchema.parse(config).targetModules).toEqual(sent);
    }
    expect(check({ targetModules: { regex: '' } })).toEqual({ 'targetModules.regex': 'required' });
    expect(check({ targetModules: [] })).toEqual({ targetModules: 'must have at least 1 item' });
    expect(check({ targetModules: 7 })).toEqual({ targetModules: 'must be one of: all-linear; List; Regex' });
    expect(lora.configSchema.safeParse(toConfig(schema, { targetModules: { regex: '' } })).success).toBe(false);
  });

  it('matchVariant and variantValue drive the variant selector', () => {
    const targets = field('targetModules');
    expect(matchVariant(targets, undefined)).toBe(-1);
    expect(matchVariant(targets, 'all-linear')).toBe(0);
    expect(matchVariant(targets, ['q'])).toBe(1);
    expect(matchVariant(targets, { regex: '' })).toBe(2);
    expect([0, 1, 2].map((i) => variantValue(targets, i))).toEqual(['all-linear', [], { regex: '' }]);
  });
});

describe('a synthetic schema with what a third-party plugin might publish', () => {
  const kind = z.enum(['fast', 'exact']);
  const config = z.strictObject({
    steps: z.int().min(1).max(100).default(10).describe('how many'),
    scale: z.number().multipleOf(0.5).optional(),
    mode: z.union([z.literal('auto'), z.literal('manual')]).default('auto'),
    target: z.object({
      names: z.array(z.string().min(1)).min(1).describe('module names'),
      depth: z.int().min(0).optional(),
    }),
    schedule: z
      .discriminatedUnion('type', [
        z.strictObject({ type: z.literal('constant'), value: z.number() }),
        z.strictObject({ type: z.literal('linear'), from: z.number(), to: z.number() }),
      ])
      .optional(),
    limit: z.union([z.number().positive(), z.string().regex(/^\d+%$/)]).optional(),
    weights: z.record(z.string(), z.number()).optional(),
    pair: z.tuple([z.number(), z.number()]).optional(),
    note: z.string().nullable(),
    method: kind.optional(),
  });
  const schema = z.toJSONSchema(config, { io: 'input' }) as JsonSchema;
  const fields = formFields(schema);
  const byKey = new Map<string, FormField>();
  const walk = (fs: readonly FormField[]) => {
    for (const f of fs) {
      byKey.set(f.key, f);
      walk(f.children ?? []);
    }
  };
  walk(fields);
  const minimal = { target: { names: 'a\nb' }, note: 'hi' };

  it('kinds', () => {
    expect(fields.map((f) => `${f.key}:${f.kind}`)).toEqual([
      'steps:integer',
      'scale:number',
      'mode:enum',
      'target:object',
      'schedule:choice',
      'limit:choice',
      'weights:json',
      'pair:json',
      'note:string',
      'method:enum',
    ]);
    expect(byKey.get('target')?.children?.map((f) => `${f.key}:${f.kind}:${f.required}`)).toEqual([
      'target.names:string-list:true',
      'target.depth:integer:false',
    ]);
    expect(byKey.get('mode')?.options?.map((o) => o.value)).toEqual(['auto', 'manual']);
    expect(byKey.get('note')).toMatchObject({ nullable: true, required: true });
    const schedule = byKey.get('schedule') as FormField;
    expect(schedule.variants?.map((v) => v.label)).toEqual(['constant', 'linear']);
    expect(matchVariant(schedule, { type: 'linear' })).toBe(1);
    expect(variantValue(schedule, 1)).toEqual({ type: 'linear', from: '', to: '' });
    expect(byKey.get('limit')?.variants?.map((v) => v.label)).toEqual(['Number', 'Text']);
  });

  it('defaults nest into required objects', () => {
    expect(defaultValues(schema)).toEqual({ steps: 10, mode: 'auto', target: {} });
    // A blank nullable field is sent as null, so only the list is missing.
    expect(validateValues(schema, defaultValues(schema))).toEqual({ 'target.names': 'required' });
  });

  it('round trip through zod', () => {
    const values = {
      ...defaultValues(schema),
      ...minimal,
      scale: '1.5',
      schedule: { type: 'linear', from: '1', to: '0' },
      limit: '50%',
      weights: '{ "a": 1 }',
      pair: [1, 2],
    };
    expect(validateValues(schema, values)).toEqual({});
    const sent = toConfig(schema, values);
    expect(sent).toEqual({
      steps: 10,
      scale: 1.5,
      mode: 'auto',
      target: { names: ['a', 'b'] },
      schedule: { type: 'linear', from: 1, to: 0 },
      limit: '50%',
      weights: { a: 1 },
      pair: [1, 2],
      note: 'hi',
    });
    expect(config.parse(sent)).toEqual(sent);
    expect(toConfig(schema, { ...values, limit: '12' }).limit).toBe(12);
    // A blank nullable required field is sent as null.
    expect(toConfig(schema, { ...values, note: '' }).note).toBeNull();
  });

  it('errors, each under its field key, agree with zod', () => {
    const cases: [Record<string, unknown>, Record<string, string>][] = [
      [{ steps: 101 }, { steps: 'must be at most 100' }],
      [{ scale: 0.3 }, { scale: 'must be a multiple of 0.5' }],
      [{ target: { names: [] } }, { 'target.names': 'must have at least 1 item' }],
      [{ target: { names: ['a'], depth: -1 } }, { 'target.depth': 'must be at least 0' }],
      [{ target: { names: ['a'], extra: 1 } }, {}], // z.object strips unknown keys: no additionalProperties: false
      [{ schedule: { type: 'linear', from: 1 } }, { 'schedule.to': 'required' }],
      [{ limit: 'lots' }, { limit: 'must match ^\\d+%$' }],
      [{ limit: -1 }, { limit: 'must be greater than 0' }],
      [{ weights: '{ "a": "x" }' }, { weights: 'a: must be a number' }],
      [{ weights: '{ nope' }, { weights: expect.stringMatching(/^must be valid JSON/) }],
      [{ pair: '[1, "2"]' }, {}], // prefixItems is beyond the form's checks: the server validates it
      [{ method: 'slow' }, { method: 'must be one of fast, exact' }],
    ];
    for (const [change, expected] of cases) {
      const values = { ...defaultValues(schema), ...minimal, ...change };
      expect(validateValues(schema, values), JSON.stringify(change)).toEqual(expected);
      const zodOk = config.safeParse(toConfig(schema, values)).success;
      if (!JSON.stringify(change).includes('pair')) expect(zodOk, JSON.stringify(change)).toBe(Object.keys(expected).length === 0);
    }
  });
});

describe('hand-written schemas', () => {
  it('$ref and $defs, draft 4 exclusive bounds, titles', () => {
    const schema: JsonSchema = {
      type: 'object',
      $defs: { Rate: { type: 'number', minimum: 0, exclusiveMinimum: true, title: 'Learning rate' } },
      properties: {
        rate: { $ref: '#/$defs/Rate', default: 0.1 },
        nested: { $ref: '#/$defs/Missing' },
        self: { $ref: '#' },
      },
      required: ['rate'],
      additionalProperties: false,
    };
    const [rate, missing, self] = formFields(schema);
    expect(rate).toMatchObject({ label: 'Learning rate', kind: 'number', exclusiveMinimum: 0, default: 0.1, required: true });
    expect(missing?.kind).toBe('json');
    expect(self?.kind).toBe('object'); // recursion stops at a depth limit as a JSON field
    expect(validateValues(schema, { rate: 0 })).toEqual({ rate: 'must be greater than 0' });
    expect(validateValues(schema, { rate: '' })).toEqual({ rate: 'required' });
    expect(toConfig(schema, { rate: '0.5', nested: '"anything"' })).toEqual({ rate: 0.5, nested: 'anything' });
  });

  it('a schema that is not an object has no fields; unsupported keywords make JSON fields', () => {
    expect(formFields({ type: 'string' })).toEqual([]);
    const [f] = formFields({ properties: { both: { allOf: [{ type: 'number' }, { minimum: 2 }] } } });
    expect(f?.kind).toBe('json');
    expect(validateValues({ properties: { both: { allOf: [{ type: 'number' }, { minimum: 2 }] } } }, { both: '1' })).toEqual({
      both: 'must be at least 2',
    });
  });
});

describe('helpers', () => {
  it('humanize', () => {
    expect(['freezeLayers', 'useRslora', 'eval_batch_size', 'maxHTTPRetries', 'r', 'kebab-case'].map(humanize)).toEqual([
      'Freeze layers',
      'Use rslora',
      'Eval batch size',
      'Max HTTP retries',
      'R',
      'Kebab case',
    ]);
  });

  it('valueAt and withValueAt', () => {
    const values = { a: 1, target: 'all-linear' };
    const next = withValueAt(values, ['target', 'regex'], 'x');
    expect(next).toEqual({ a: 1, target: { regex: 'x' } });
    expect(values).toEqual({ a: 1, target: 'all-linear' });
    expect(valueAt(next, ['target', 'regex'])).toBe('x');
    expect(withValueAt(next, ['a'], undefined)).toEqual({ target: { regex: 'x' } });
  });
});
