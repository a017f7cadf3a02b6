// Element types a graph tensor may have, and how each maps to ONNX and to JS typed arrays.

export type DType = 'float32' | 'float16' | 'float64' | 'int64' | 'int32' | 'bool';

export const DTYPES: readonly DType[] = ['float32', 'float16', 'float64', 'int64', 'int32', 'bool'];

/** ONNX TensorProto.DataType codes. */
export const ONNX_DTYPE: Record<DType, number> = {
  float32: 1,
  int32: 6,
  int64: 7,
  bool: 9,
  float16: 10,
  float64: 11,
};

export const DTYPE_BYTES: Record<DType, number> = {
  float32: 4,
  float16: 2,
  float64: 8,
  int64: 8,
  int32: 4,
  bool: 1,
};

export type TypedArrayFor<D extends DType> = D extends 'float32'
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : D extends 'int64'
      ? BigInt64Array
      : D extends 'int32'
        ? Int32Array
        : D extends 'float16'
          ? Uint16Array
          : Uint8Array;

export type HostArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint16Array | Uint8Array;

export function isFloat(dtype: DType): boolean {
  return dtype === 'float32' || dtype === 'float16' || dtype === 'float64';
}

/** Allocates a zeroed host array for `size` elements of `dtype`. */
export function allocate(dtype: DType, size: number): HostArray {
  switch (dtype) {
    case 'float32':
      return new Float32Array(size);
    case 'float64':
      return new Float64Array(size);
    case 'int64':
      return new BigInt64Array(size);
    case 'int32':
      return new Int32Array(size);
    case 'float16':
      return new Uint16Array(size);
    case 'bool':
      return new Uint8Array(size);
  }
}

/** The dtype a host array holds, where it is unambiguous (Uint8Array is taken as bool, Uint16Array as float16). */
export function dtypeOfArray(data: HostArray): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof Uint16Array) return 'float16';
  return 'bool';
}

/** onnxruntime-common's name for each dtype. */
export const ORT_TYPE: Record<DType, 'float32' | 'float16' | 'float64' | 'int64' | 'int32' | 'bool'> = {
  float32: 'float32',
  float16: 'float16',
  float64: 'float64',
  int64: 'int64',
  int32: 'int32',
  bool: 'bool',
};
