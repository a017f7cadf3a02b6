// SchemaForm rendered: the New run page's trainer settings, whose early stopping is a nested object, render once each
// (an object field once rendered itself again and again, which hung the page).
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
// The console package does not depend on the server; the test reaches the schema by path, to render the real one.
import { runSettingsJsonSchema } from '../../../server/src/modules/runs/run-settings.ts';
import { settingsPlaceholders } from '../lib/run-settings.ts';
import { formFields, type JsonSchema } from '../lib/schema-form.ts';
import { SchemaForm } from './schema-form.tsx';

describe('SchemaForm', () => {
  it("renders the trainer settings with a nested object's fields, and blank fields showing their defaults", () => {
    const fields = formFields(runSettingsJsonSchema() as JsonSchema);
    const html = renderToString(
      createElement(SchemaForm, {
        idPrefix: 'hp',
        fields,
        values: { warmupSteps: '7' },
        placeholders: settingsPlaceholders(fields, { learningRate: 2e-4 }),
      }),
    );
    for (const id of [
      'hp-warmupSteps',
      'hp-labelSmoothing',
      'hp-evalBatchSize',
      'hp-keepCheckpoints',
      'hp-earlyStopping.patience',
      'hp-earlyStopping.minDelta',
    ])
      expect(html.match(new RegExp(`id="${id.replace('.', '\\.')}"`, 'g')), id).toHaveLength(1);
    expect(html).toMatch(/id="hp-learningRate"[^>]*placeholder="0.0002"|placeholder="0.0002"[^>]*id="hp-learningRate"/);
    expect(html).toMatch(/id="hp-warmupSteps"[^>]*value="7"|value="7"[^>]*id="hp-warmupSteps"/);
  });
});
