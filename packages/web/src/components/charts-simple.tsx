// Bar charts for counts (label distribution, token-length histogram): a few dozen bars, plain DOM.

export function LabelBars({ items }: { items: { label: string; count: number }[] }) {
  const max = Math.max(1, ...items.map((i) => i.count));
  const total = items.reduce((a, i) => a + i.count, 0) || 1;
  return (
    <div className="bars" data-testid="label-distribution">
      {items.map((i) => (
        <div className="bar-row" key={i.label}>
          <span title={i.label}>{i.label}</span>
          <div className="bar" style={{ width: `${(i.count / max) * 100}%` }} />
          <span className="num">
            {i.count} <span className="muted">({Math.round((i.count / total) * 100)}%)</span>
          </span>
        </div>
      ))}
    </div>
  );
}

export function Histogram({ counts, binWidth }: { counts: number[]; binWidth: number }) {
  const max = Math.max(1, ...counts);
  return (
    <div>
      <div className="histogram" data-testid="token-histogram" data-bins={counts.length}>
        {counts.map((c, i) => (
          <div
            // biome-ignore lint/suspicious/noArrayIndexKey: a bin is its index
            key={i}
            style={{ height: `${(c / max) * 100}%` }}
            title={`${i * binWidth}–${(i + 1) * binWidth - 1} tokens: ${c} examples`}
          />
        ))}
      </div>
      <div className="spread small muted">
        <span>0</span>
        <span>{counts.length * binWidth} tokens</span>
      </div>
    </div>
  );
}
