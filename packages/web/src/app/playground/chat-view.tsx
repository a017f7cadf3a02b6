'use client';
// The playground's chat view for causal-LM runs: a conversation (or a text to continue) answered by the fine-tuned
// model, streamed token by token over the generate subscription, next to the base model's answer.
import { useEffect, useRef, useState } from 'react';
import { type ApiError, subscribe } from '../../api/client.ts';
import { GenerateSubscription } from '../../api/operations.ts';
import { ErrorBox } from '../../components/bits.tsx';
import type { ChatMessageInput, FinishReason, GenerationInput, GenerationModel } from '../../gql/graphql.ts';

interface Answer {
  text: string;
  state: 'streaming' | 'done' | 'failed' | 'stopped';
  tokens: number;
  finishReason?: FinishReason;
  seed?: number | null;
  error?: ApiError;
}

interface Turn {
  /** The user's message, or the text to continue. */
  user: string;
  answers: Partial<Record<GenerationModel, Answer>>;
}

type Mode = 'chat' | 'continue';

/** The settings form's fields, as typed (empty: the server's default). */
interface SettingsForm {
  maxNewTokens: string;
  temperature: string;
  topK: string;
  topP: string;
  repetitionPenalty: string;
  seed: string;
  stop: string;
}

const SETTINGS: { key: keyof SettingsForm; label: string; help: string }[] = [
  { key: 'maxNewTokens', label: 'Max new tokens', help: '1 to 4096; default 20' },
  { key: 'temperature', label: 'Temperature', help: '0 is greedy; default greedy' },
  { key: 'topK', label: 'Top-k', help: '0 is off' },
  { key: 'topP', label: 'Top-p', help: 'in (0, 1]; 1 is off' },
  { key: 'repetitionPenalty', label: 'Repetition penalty', help: '1 is off' },
  { key: 'seed', label: 'Seed', help: 'same seed, same answer' },
];

/** The GenerationInput the form says: fields left empty are left out; stop strings one a line, `\n` for a line break. */
export function generationInput(form: SettingsForm): GenerationInput {
  const out: GenerationInput = {};
  for (const { key } of SETTINGS) {
    const raw = form[key].trim();
    if (raw !== '') (out as Record<string, number>)[key] = Number(raw);
  }
  const stop = form.stop
    .split('\n')
    .filter((s) => s !== '')
    .map((s) => s.replace(/\\n/g, '\n'));
  if (stop.length) out.stop = stop;
  return out;
}

/** What model `model` is asked: the conversation with its own earlier answers, then the new message. */
function conversation(system: string, turns: readonly Turn[], message: string, model: GenerationModel): ChatMessageInput[] {
  const messages: ChatMessageInput[] = system.trim() ? [{ role: 'SYSTEM', content: system }] : [];
  for (const t of turns) {
    messages.push({ role: 'USER', content: t.user });
    const answer = t.answers[model];
    if (answer?.text.trim()) messages.push({ role: 'ASSISTANT', content: answer.text });
  }
  messages.push({ role: 'USER', content: message });
  return messages;
}

/** Ends every stream in `streams` and empties it. */
function stopEvery(streams: (() => void)[]): void {
  for (const stop of streams.splice(0)) stop();
}

const TITLES: Record<GenerationModel, string> = { TUNED: 'Fine-tuned', BASE: 'Base model' };

function AnswerView({ answer }: { answer: Answer | undefined }) {
  if (!answer) return null;
  return (
    <div className="chat-answer" data-testid="chat-answer" data-state={answer.state} data-tokens={answer.tokens}>
      <p className="chat-text">
        {answer.text}
        {answer.state === 'streaming' && <span className="chat-cursor" aria-hidden="true" />}
      </p>
      {answer.state !== 'streaming' && answer.state !== 'failed' && (
        <p className="muted small" data-testid="chat-answer-meta">
          {answer.tokens} tokens
          {answer.finishReason && `, ended by ${answer.finishReason.toLowerCase().replace(/_/g, ' ')}`}
          {answer.seed != null && `, seed ${answer.seed}`}
          {answer.state === 'stopped' && ', stopped'}
        </p>
      )}
      <ErrorBox error={answer.error} />
    </div>
  );
}

export function ChatView({ runId, compareBase }: { runId: string; compareBase: boolean }) {
  const [mode, setMode] = useState<Mode>('chat');
  const [system, setSystem] = useState('');
  const [message, setMessage] = useState('');
  const [turns, setTurns] = useState<Turn[]>([]);
  const [form, setForm] = useState<SettingsForm>({
    maxNewTokens: '40',
    temperature: '',
    topK: '',
    topP: '',
    repetitionPenalty: '',
    seed: '',
    stop: '',
  });
  // The streams running, to stop them (the Stop button, a new run, leaving the page).
  const streams = useRef<(() => void)[]>([]);
  const stopAll = () => stopEvery(streams.current);
  useEffect(() => () => stopEvery(streams.current), []);
  // Another run starts another conversation.
  // biome-ignore lint/correctness/useExhaustiveDependencies: the run id is the reason to start afresh
  useEffect(() => {
    stopEvery(streams.current);
    setTurns([]);
  }, [runId]);

  const streaming = turns.some((t) => Object.values(t.answers).some((a) => a?.state === 'streaming'));
  const models: GenerationModel[] = compareBase ? ['TUNED', 'BASE'] : ['TUNED'];

  /** Applies `change` to the answer of `model` in turn `at`. */
  const update = (at: number, model: GenerationModel, change: (a: Answer) => Answer) =>
    setTurns((all) =>
      all.map((t, i) => {
        const answer = t.answers[model];
        return i === at && answer ? { ...t, answers: { ...t.answers, [model]: change(answer) } } : t;
      }),
    );

  const send = () => {
    const text = mode === 'chat' ? message.trim() : message;
    if (!text.trim()) return;
    const at = turns.length;
    const generation = generationInput(form);
    const fresh: Answer = { text: '', state: 'streaming', tokens: 0 };
    setTurns([...turns, { user: text, answers: Object.fromEntries(models.map((m) => [m, fresh])) }]);
    setMessage('');
    for (const model of models) {
      const input =
        mode === 'chat'
          ? { runId, model, messages: conversation(system, turns, text, model), generation }
          : { runId, model, prompt: text, generation };
      // Assigned before any handler can run: graphql-ws delivers nothing synchronously.
      let stop: (() => void) | undefined;
      stop = subscribe(GenerateSubscription, () => ({ input }), {
        next: ({ generate: e }) => {
          if (e.type === 'TOKEN') {
            // A stream sent again after a dropped connection starts over: index 0 begins the answer anew.
            update(at, model, (a) => ({ ...a, text: e.index === 0 ? e.text : a.text + e.text, tokens: e.index + 1 }));
          } else {
            update(at, model, (a) => ({
              ...a,
              text: e.continuation ?? a.text + e.text,
              tokens: e.index,
              state: 'done',
              finishReason: e.generation?.finishReason,
              seed: e.generation?.seed,
            }));
          }
        },
        complete: () => {
          update(at, model, (a) => (a.state === 'streaming' ? { ...a, state: 'stopped' } : a));
          streams.current = streams.current.filter((s) => s !== stop);
        },
        error: (error) => {
          update(at, model, (a) => ({ ...a, state: 'failed', error }));
          streams.current = streams.current.filter((s) => s !== stop);
        },
      });
      streams.current.push(stop);
    }
  };

  const stopStreaming = () => {
    stopAll();
    setTurns((all) =>
      all.map((t) => ({
        ...t,
        answers: Object.fromEntries(
          Object.entries(t.answers).map(([m, a]) => [m, a?.state === 'streaming' ? { ...a, state: 'stopped' } : a]),
        ),
      })),
    );
  };

  return (
    <section className="card" data-testid="chat-view">
      <div className="row" style={{ marginBottom: 12 }} role="radiogroup" aria-label="Mode">
        <label className="check">
          <input type="radio" name="chat-mode" checked={mode === 'chat'} onChange={() => setMode('chat')} /> Chat (the model's chat
          template)
        </label>
        <label className="check">
          <input type="radio" name="chat-mode" checked={mode === 'continue'} onChange={() => setMode('continue')} /> Continue a text
        </label>
      </div>
      {mode === 'chat' && (
        <label className="field" htmlFor="chat-system">
          <span className="name">System message (optional)</span>
          <input id="chat-system" value={system} onChange={(e) => setSystem(e.target.value)} />
        </label>
      )}
      <details className="generation-settings">
        <summary>Generation settings</summary>
        <div className="grid three" style={{ marginTop: 8 }}>
          {SETTINGS.map(({ key, label, help }) => (
            <label className="field" htmlFor={`gen-${key}`} key={key}>
              <span className="name">{label}</span>
              <input
                id={`gen-${key}`}
                type="number"
                step="any"
                value={form[key]}
                onChange={(e) => setForm({ ...form, [key]: e.target.value })}
              />
              <span className="help">{help}</span>
            </label>
          ))}
          <label className="field" htmlFor="gen-stop">
            <span className="name">Stop strings</span>
            <textarea id="gen-stop" rows={2} value={form.stop} onChange={(e) => setForm({ ...form, stop: e.target.value })} />
            <span className="help">one a line; \n for a line break</span>
          </label>
        </div>
      </details>
      <div className="side-by-side chat-columns">
        {models.map((model) => (
          <div key={model} className="chat-column" data-testid={`chat-${model.toLowerCase()}`}>
            <h3>{TITLES[model]}</h3>
            {turns.length === 0 && <p className="muted small">No messages yet.</p>}
            {turns.map((t, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: turns are only appended; their position is their identity
              <div key={i} className="chat-turn">
                <p className="chat-user">{t.user}</p>
                <AnswerView answer={t.answers[model]} />
              </div>
            ))}
          </div>
        ))}
      </div>
      <label className="field" htmlFor="chat-message" style={{ marginTop: 12 }}>
        <span className="name">{mode === 'chat' ? 'Message' : 'Text to continue'}</span>
        <textarea
          id="chat-message"
          rows={2}
          value={message}
          onChange={(e) => setMessage(e.target.value)}
          onKeyDown={(e) => {
            // Enter sends, Shift+Enter starts a new line, as chat boxes do.
            if (e.key === 'Enter' && !e.shiftKey && !streaming) {
              e.preventDefault();
              send();
            }
          }}
        />
      </label>
      <div className="row">
        <button type="button" disabled={!runId || !message.trim() || streaming} onClick={send}>
          Send
        </button>
        <button type="button" disabled={!streaming} onClick={stopStreaming}>
          Stop
        </button>
        <button
          type="button"
          disabled={streaming || turns.length === 0}
          onClick={() => {
            setTurns([]);
          }}
        >
          Clear
        </button>
      </div>
    </section>
  );
}
