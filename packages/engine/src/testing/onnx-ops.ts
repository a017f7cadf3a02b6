// How many nodes of each op type an ONNX model's main graph holds, read from the protobuf bytes: enough of
// the wire format to check a model that onnxruntime wrote (an optimized one) without the Python onnx package.

function varint(bytes: Uint8Array, at: { pos: number }): number {
  let value = 0;
  let scale = 1;
  for (;;) {
    const b = bytes[at.pos++] as number;
    value += (b & 0x7f) * scale;
    if (b < 0x80) return value;
    scale *= 128;
  }
}

/** The fields of one message: field number, wire type and (for length-delimited ones) the bytes. */
function* fields(bytes: Uint8Array): Generator<{ field: number; bytes?: Uint8Array }> {
  const at = { pos: 0 };
  while (at.pos < bytes.length) {
    const key = varint(bytes, at);
    const field = Math.floor(key / 8);
    switch (key & 7) {
      case 0:
        varint(bytes, at);
        yield { field };
        break;
      case 1:
        at.pos += 8;
        yield { field };
        break;
      case 2: {
        const n = varint(bytes, at);
        yield { field, bytes: bytes.subarray(at.pos, at.pos + n) };
        at.pos += n;
        break;
      }
      case 5:
        at.pos += 4;
        yield { field };
        break;
      default:
        throw new Error(`onnx: unsupported protobuf wire type ${key & 7}`);
    }
  }
}

/** A node of an ONNX model's main graph: its op type and the names of its inputs and outputs. */
export interface OnnxNode {
  op: string;
  inputs: string[];
  outputs: string[];
}

/** ModelProto.graph (7) -> GraphProto.node (1) -> NodeProto input (1), output (2) and op_type (4). */
export function onnxNodes(model: Uint8Array): OnnxNode[] {
  const nodes: OnnxNode[] = [];
  const text = new TextDecoder();
  for (const m of fields(model)) {
    if (m.field !== 7 || !m.bytes) continue;
    for (const g of fields(m.bytes)) {
      if (g.field !== 1 || !g.bytes) continue;
      const node: OnnxNode = { op: '', inputs: [], outputs: [] };
      for (const n of fields(g.bytes)) {
        if (!n.bytes) continue;
        if (n.field === 1) node.inputs.push(text.decode(n.bytes));
        else if (n.field === 2) node.outputs.push(text.decode(n.bytes));
        else if (n.field === 4) node.op = text.decode(n.bytes);
      }
      nodes.push(node);
    }
  }
  return nodes;
}

/** How many nodes of each op type the main graph holds. */
export function onnxOpCounts(model: Uint8Array): Map<string, number> {
  const counts = new Map<string, number>();
  for (const { op } of onnxNodes(model)) counts.set(op, (counts.get(op) ?? 0) + 1);
  return counts;
}
