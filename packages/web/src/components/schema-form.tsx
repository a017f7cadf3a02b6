'use client';
// A form generated from a JSON Schema (lib/schema-form.ts describes the fields): a third-party strategy's options
// get inputs, checks and help text with no change to the console. Read-only, it documents the options.
import { type ReactNode, useState } from 'react';
import { type FormField, matchVariant, valueAt, variantValue, withValueAt } from '../lib/schema-form.ts';

export interface SchemaFormProps {
  fields: readonly FormField[];
  values: Record<string, unknown>;
  onChange?: (values: Record<string, unknown>) => void;
  /** Messages by field key (client checks and the server's), shown under their field. */
  errors?: Record<string, string>;
  readOnly?: boolean;
  /** Prefix of the inputs' ids, so two forms on a page do not clash. */
  idPrefix: string;
  /** What a blank field means, by key (e.g. the server's default). */
  placeholders?: Record<string, string>;
}

function bounds(f: FormField): string {
  const parts: string[] = [];
  if (f.minimum !== undefined) parts.push(`≥ ${f.minimum}`);
  if (f.exclusiveMinimum !== undefined) parts.push(`> ${f.exclusiveMinimum}`);
  if (f.maximum !== undefined) parts.push(`≤ ${f.maximum}`);
  if (f.exclusiveMaximum !== undefined) parts.push(`< ${f.exclusiveMaximum}`);
  if (f.multipleOf !== undefined) parts.push(`multiple of ${f.multipleOf}`);
  return parts.join(', ');
}

function display(v: unknown): string {
  if (v === undefined || v === null) return '';
  if (Array.isArray(v)) return v.join(', ');
  if (typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

export function SchemaForm(props: SchemaFormProps) {
  if (!props.fields.length) return <p className="muted small">No options.</p>;
  return (
    <div className="form-grid">
      {props.fields.map((f) => (
        // `field` after the spread: an object field renders its children with its own props, which hold `field` too.
        <FieldInput key={f.key} {...props} field={f} />
      ))}
    </div>
  );
}

function FieldInput(props: SchemaFormProps & { field: FormField }) {
  const { field: f, values, onChange, errors, readOnly, idPrefix, placeholders } = props;
  const id = `${idPrefix}-${f.key}`;
  const value = valueAt(values, f.path);
  const error = errors?.[f.key];
  const set = (v: unknown) => onChange?.(withValueAt(values, f.path, v));
  const cls = error ? 'invalid' : undefined;
  const hint = [f.required ? 'required' : '', bounds(f), f.default !== undefined ? `default ${display(f.default)}` : '']
    .filter(Boolean)
    .join(' · ');

  let input: ReactNode;
  switch (f.kind) {
    case 'boolean':
      return (
        <div className="field" data-field={f.key}>
          <label className="check">
            <input
              id={id}
              type="checkbox"
              checked={value === true || value === 'true'}
              disabled={readOnly}
              onChange={(e) => set(e.target.checked)}
            />
            <span className="name">{f.label}</span>
          </label>
          {f.description && <span className="help small muted">{f.description}</span>}
          {error && <span className="field-error">{error}</span>}
        </div>
      );
    case 'enum': {
      const index = f.options?.findIndex((o) => o.value === value || String(o.value) === String(value)) ?? -1;
      input = (
        <select
          id={id}
          className={cls}
          value={index}
          disabled={readOnly}
          onChange={(e) => set(Number(e.target.value) < 0 ? undefined : f.options?.[Number(e.target.value)]?.value)}
        >
          {(!f.required || index < 0) && <option value={-1}>{f.required ? 'choose…' : '(not set)'}</option>}
          {f.options?.map((o, i) => (
            <option key={String(o.value)} value={i}>
              {o.label}
            </option>
          ))}
        </select>
      );
      break;
    }
    case 'object':
      return (
        <fieldset className="field" data-field={f.key} style={{ gridColumn: '1 / -1' }}>
          <legend className="name">{f.label}</legend>
          {f.description && <span className="help small muted">{f.description}</span>}
          <SchemaForm {...props} fields={f.children ?? []} />
          {error && <span className="field-error">{error}</span>}
        </fieldset>
      );
    case 'choice':
      return <ChoiceInput {...props} />;
    case 'json':
    case 'string-list':
      input = (
        <textarea
          id={id}
          className={cls}
          rows={f.kind === 'json' ? 3 : 2}
          readOnly={readOnly}
          placeholder={f.kind === 'string-list' ? 'one per line or comma-separated' : 'JSON'}
          value={
            f.kind === 'json' ? (typeof value === 'string' ? value : value === undefined ? '' : JSON.stringify(value)) : display(value)
          }
          onChange={(e) => set(e.target.value)}
        />
      );
      break;
    default:
      input = (
        <input
          id={id}
          className={cls}
          type="text"
          inputMode={f.kind === 'string' ? undefined : 'decimal'}
          readOnly={readOnly}
          placeholder={placeholders?.[f.key] ?? (f.default !== undefined ? String(f.default) : '')}
          value={display(value)}
          onChange={(e) => set(e.target.value)}
        />
      );
  }
  return (
    <label className="field" htmlFor={id} data-field={f.key}>
      <span className="name">{f.label}</span>
      {input}
      {f.description && <span className="help">{f.description}</span>}
      {hint && <span className="help">{hint}</span>}
      {error && <span className="field-error">{error}</span>}
    </label>
  );
}

function ChoiceInput(props: SchemaFormProps & { field: FormField }) {
  const { field: f, values, onChange, readOnly, errors, idPrefix } = props;
  const value = valueAt(values, f.path);
  // The user's pick stays put even while a half-typed value would match another alternative.
  const [picked, setPicked] = useState<number>();
  const matched = matchVariant(f, value);
  const index = picked ?? matched;
  const variant = f.variants?.[index];
  return (
    <fieldset className="field" data-field={f.key} style={{ gridColumn: '1 / -1' }}>
      <legend className="name">{f.label}</legend>
      {f.description && <span className="help small muted">{f.description}</span>}
      <select
        id={`${idPrefix}-${f.key}`}
        aria-label={`${f.label}: kind`}
        value={index}
        disabled={readOnly}
        onChange={(e) => {
          const i = Number(e.target.value);
          setPicked(i);
          onChange?.(withValueAt(values, f.path, i < 0 ? undefined : variantValue(f, i)));
        }}
      >
        <option value={-1}>{f.required ? 'choose…' : '(default)'}</option>
        {f.variants?.map((v, i) => (
          <option key={v.label} value={i}>
            {v.label}
          </option>
        ))}
      </select>
      {variant?.fields.some((g) => g.kind !== 'enum' || (g.options?.length ?? 0) > 1) && (
        <SchemaForm
          {...props}
          fields={variant.fields.map((g) => (g.key === f.key ? { ...g, label: `${f.label} (${variant.label})` } : g))}
        />
      )}
      {errors?.[f.key] && <span className="field-error">{errors[f.key]}</span>}
      {readOnly && <span className="help">one of: {f.variants?.map((v) => v.label).join(' · ')}</span>}
    </fieldset>
  );
}
