// JSON text as Python's json.dumps(value, indent=2, sort_keys=True) writes it, so saved folders match transformers' bytes.

/**
 * Serializes like Python's json.dumps with indent=2, sort_keys=True and the default ensure_ascii=True. Integral
 * numbers print as Python ints (a Python float such as 1.0 has no JS counterpart and prints as 1); other numbers
 * follow Python's float repr (1e-05, 1e+16); NaN and infinities as Python writes them.
 */
export function pythonJson(value: unknown, indent = ''): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') return pythonNumber(value);
  if (typeof value === 'string') return asciiOnly(JSON.stringify(value));
  if (typeof value !== 'object') throw new TypeError(`cannot serialize a ${typeof value} as JSON`);
  const inner = `${indent}  `;
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((v) => inner + pythonJson(v ?? null, inner)).join(',\n')}\n${indent}]`;
  }
  const record = value as Record<string, unknown>;
  // Python sorts by code point; comparing UTF-16 units would misplace characters above U+FFFF.
  const keys = Object.keys(record)
    .filter((k) => record[k] !== undefined)
    .sort(byCodePoint);
  if (keys.length === 0) return '{}';
  return `{\n${keys.map((k) => `${inner}${asciiOnly(JSON.stringify(k))}: ${pythonJson(record[k], inner)}`).join(',\n')}\n${indent}}`;
}

function pythonNumber(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (Number.isInteger(x)) return Object.is(x, -0) ? '-0.0' : BigInt(x).toString();
  // Both languages print the shortest round-tripping digits; only the switch to exponent form differs.
  const [digits, exponent] = x.toExponential().split('e') as [string, string];
  const exp = Number(exponent);
  if (exp < -4 || exp >= 16) return `${digits}e${exp < 0 ? '-' : '+'}${String(Math.abs(exp)).padStart(2, '0')}`;
  return String(x);
}

function asciiOnly(json: string): string {
  // Python escapes everything outside printable ASCII, DEL (0x7f) included; JSON.stringify already did 0x00-0x1f.
  return json.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function byCodePoint(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    const d = x[i]!.codePointAt(0)! - y[i]!.codePointAt(0)!;
    if (d !== 0) return d;
  }
  return x.length - y.length;
}
