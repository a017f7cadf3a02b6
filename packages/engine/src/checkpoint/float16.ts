// Bit-exact conversions between float32 and the two 16-bit float formats safetensors stores (IEEE float16, bfloat16).
//
// Everything works on bit patterns (Uint16Array / Uint32Array views), never on JS numbers: writing a NaN through a
// Float32Array may canonicalize its payload, and a checkpoint that is loaded and saved again must keep every bit.

let f16Table: Uint32Array | undefined;

/** float16 bits -> float32 bits; exact for every input, NaN payloads kept (shifted into the wider mantissa). */
export function f16ToF32Bits(h: number): number {
  const sign = (h & 0x8000) << 16;
  const exp = (h >>> 10) & 0x1f;
  let mant = h & 0x3ff;
  if (exp === 0x1f) return (sign | 0x7f800000 | (mant << 13)) >>> 0;
  if (exp !== 0) return (sign | ((exp + 112) << 23) | (mant << 13)) >>> 0;
  if (mant === 0) return sign >>> 0;
  // Subnormal: mant * 2^-24. Shift until the implicit bit appears, lowering the exponent once per shift.
  let e = 113;
  while ((mant & 0x400) === 0) {
    mant <<= 1;
    e--;
  }
  return (sign | (e << 23) | ((mant & 0x3ff) << 13)) >>> 0;
}

/**
 * float32 bits -> float16 bits, rounding to nearest even (numpy's npy_floatbits_to_halfbits). Overflow gives ±inf,
 * underflow ±0 with the sign kept. NaN keeps its sign and the top 10 payload bits (torch instead writes 0x7e00);
 * the quiet bit is set when those bits are all zero so the result stays a NaN.
 */
export function f32ToF16Bits(f: number): number {
  const sign = (f >>> 16) & 0x8000;
  const fExp = f & 0x7f800000;
  const fMant = f & 0x007fffff;
  if (fExp === 0x7f800000) {
    if (fMant === 0) return sign | 0x7c00;
    const payload = fMant >>> 13;
    return sign | 0x7c00 | (payload === 0 ? 0x200 : payload);
  }
  // 2^16 and above overflows float16 (largest finite is 65504; 65520 and up round to inf).
  if (fExp >= 0x47800000) return sign | 0x7c00;
  if (fExp <= 0x38000000) {
    // Below 2^-25 everything rounds to zero.
    if (fExp < 0x33000000) return sign;
    const e = fExp >>> 23;
    // The shift by 13 plus (1 + 112 - e) more for the subnormal; up to 11 bits fall off, checked in `f` directly.
    let sig = (0x00800000 + fMant) >>> (113 - e);
    if ((sig & 0x3fff) !== 0x1000 || (f & 0x7ff) !== 0) sig += 0x1000;
    // A carry into the exponent field turns the largest subnormal into the smallest normal, which is correct.
    return sign + (sig >>> 13);
  }
  const hExp = (fExp - 0x38000000) >>> 13;
  let sig = fMant;
  if ((sig & 0x3fff) !== 0x1000) sig += 0x1000;
  // A carry may bump the exponent, up to 0x7c00 (inf), which is the correct rounding of values near 65520.
  return sign + hExp + (sig >>> 13);
}

/** bfloat16 bits -> float32 bits: bfloat16 is the top half of a float32, so this is exact. */
export function bf16ToF32Bits(h: number): number {
  return (h << 16) >>> 0;
}

/** float32 bits -> bfloat16 bits, rounding to nearest even; NaN keeps its sign and top payload bits (torch writes 0x7fc0). */
export function f32ToBf16Bits(f: number): number {
  if ((f & 0x7f800000) === 0x7f800000 && (f & 0x007fffff) !== 0) {
    const top = f >>> 16;
    return (top & 0x7f) === 0 ? top | 0x40 : top;
  }
  // Adding 0x7fff plus the lowest kept bit rounds ties to even; a carry out of the mantissa rounds up to the next
  // exponent (or to inf), as IEEE requires.
  return ((f >>> 0) + 0x7fff + ((f >>> 16) & 1)) >>> 16;
}

/** Widens float16 bit patterns into float32 bit patterns. */
export function decodeF16(src: Uint16Array, dst: Uint32Array): void {
  if (!f16Table) {
    f16Table = new Uint32Array(0x10000);
    for (let h = 0; h < 0x10000; h++) f16Table[h] = f16ToF32Bits(h);
  }
  const table = f16Table;
  for (let i = 0; i < src.length; i++) dst[i] = table[src[i]!]!;
}

/** Widens bfloat16 bit patterns into float32 bit patterns. */
export function decodeBf16(src: Uint16Array, dst: Uint32Array): void {
  for (let i = 0; i < src.length; i++) dst[i] = src[i]! << 16;
}

/** Narrows float32 bit patterns to float16, round to nearest even. */
export function encodeF16(src: Uint32Array, dst: Uint16Array): void {
  for (let i = 0; i < src.length; i++) dst[i] = f32ToF16Bits(src[i]!);
}

/** Narrows float32 bit patterns to bfloat16, round to nearest even. */
export function encodeBf16(src: Uint32Array, dst: Uint16Array): void {
  for (let i = 0; i < src.length; i++) dst[i] = f32ToBf16Bits(src[i]!);
}
