// Derives the three use-case data sets (sentiment, named entities, extractive QA) from the public-domain
// Austen paragraphs, deterministically: the same corpus always gives byte-identical files.
//
//   node scripts/make-usecase-data.ts [--corpus data/austen-paragraphs.jsonl] [--out data]
//
// Every label comes from a rule this file states (a word list, a name list, a dialogue pattern), so the
// data sets measure whether a model learns that rule from examples, not human judgement; data/README.md
// says what each rule misses.

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { shuffled } from '../packages/engine/src/index.ts';
import { DEFAULT_CORPUS, ROOT } from './austen-corpus.ts';

const SEED = 20261203;

/** Rows each file gets at most; each file stays well under 500 KB. */
const LIMITS = { sentiment: 1600, ner: 1500, qa: 1400 };

// ---------------------------------------------------------------------------------------------------
// Sentences and words

/** Sentence ends: . ! ? (and a closing quote), not after a title's full stop. */
const SENTENCE_END = /(?<!\b(?:Mr|Mrs|Dr|St|Messrs)\.)(?<=[.!?]["']?)\s+(?=["']?[A-Z])/;

function sentences(paragraph: string): string[] {
  return paragraph
    .replace(/_/g, '') // the Gutenberg text marks italics with underscores
    .split(SENTENCE_END)
    .map((s) => balanceQuotes(s.replace(/\s+/g, ' ').trim()))
    .filter((s) => s.length > 0);
}

/**
 * A sentence cut from a quotation that runs over several sentences holds an odd number of quote marks; the
 * missing one is added: a closing mark when the last mark opens a quotation, else an opening one.
 */
function balanceQuotes(s: string): string {
  if ((s.match(/"/g) ?? []).length % 2 === 0) return s;
  const last = s.lastIndexOf('"');
  const opens = (last === 0 || /\s/.test(s[last - 1] as string)) && last + 1 < s.length && !/\s/.test(s[last + 1] as string);
  return opens ? `${s}"` : `"${s}`;
}

/** Words and punctuation marks; a title keeps its full stop and a possessive 's is a word of its own (as in CoNLL). */
const WORD = /(?:Mr|Mrs|Dr|St)\.|[A-Za-z]+(?:'[a-rt-zA-Z][A-Za-z]*)*|'s\b|\d+|[^\sA-Za-z\d]/g;

function words(sentence: string): string[] {
  return sentence.match(WORD) ?? [];
}

// ---------------------------------------------------------------------------------------------------
// Sentiment: a word list, no negation

const POSITIVE = new Set(
  `happy happiness happier happiest delight delighted delightful pleasure pleased pleasing pleasant glad gladly joy
  joyful cheerful cheerfulness love loved lovely charming charmed amiable agreeable kind kindness kindly excellent
  admirable admiration admired grateful gratitude comfort comfortable affection affectionate affectionately tender
  tenderness generous generosity pretty beautiful handsome smile smiled smiling laugh laughed laughing merry
  hope hopes hoped hoping satisfied satisfaction good goodness warmly warmth sweet sweetness elegant elegance
  fortunate lucky blessing blessed praise praised esteem respectable friendship gaiety lively amused amusement
  enjoyment enjoy enjoyed wonderful perfect perfectly`
    .split(/\s+/)
    .filter(Boolean),
);

const NEGATIVE = new Set(
  `unhappy unhappiness misery miserable wretched wretchedness grief grieved sorrow sorrowful sad sadness distress
  distressed distressing pain painful pained anger angry angrily vexed vexation vexatious provoked provoking
  mortified mortification shame ashamed shameful dreadful dread fear feared fearful afraid alarm alarmed anxiety
  anxious uneasy uneasiness disappointed disappointment disagreeable unpleasant cruel cruelty wicked bad worse
  worst tears wept weeping cry crying sick illness ill suffering suffer suffered despair horror horrid shocked
  shocking disgust disgusted contempt resentment resentful jealous jealousy guilt guilty regret regretted lament
  melancholy dejected dejection gloomy gloom hate hated hatred folly foolish insolent impertinent offended offence
  trouble troubled agitation agitated`
    .split(/\s+/)
    .filter(Boolean),
);

/** A word that can turn the sentence's sense around; such sentences are left out rather than mislabelled. */
const NEGATION = /^(?:not|no|never|nor|nothing|none|nobody|neither|without|cannot|hardly|scarcely)$|n't$/i;

function sentimentOf(ws: readonly string[]): 'positive' | 'negative' | undefined {
  let pos = 0;
  let neg = 0;
  for (const w of ws) {
    const lower = w.toLowerCase();
    if (NEGATION.test(lower)) return undefined;
    if (POSITIVE.has(lower)) pos++;
    if (NEGATIVE.has(lower)) neg++;
  }
  // Words of one list only: a sentence with both is left out rather than weighed.
  if (pos > 0 && neg === 0) return 'positive';
  if (neg > 0 && pos === 0) return 'negative';
  return undefined;
}

// ---------------------------------------------------------------------------------------------------
// Named entities: the novels' people (PER) and places (LOC), from lists

/** Given names and surnames of the six novels' characters. */
const PEOPLE = new Set(
  `Elizabeth Jane Lydia Kitty Mary Bennet Darcy Bingley Caroline Wickham Collins Charlotte Lucas Gardiner Catherine
  Georgiana Fitzwilliam Hurst Phillips Denny Forster Emma Woodhouse Knightley Harriet Smith Elton Augusta Weston
  Churchill Frank Fairfax Bates Martin Isabella Perry Goddard Cole Dixon Campbell Taylor Anne Elliot Walter Wentworth
  Frederick Musgrove Louisa Henrietta Charles Russell Croft Harville Benwick Clay Hayter Shepherd William Elinor
  Marianne Margaret Dashwood Willoughby Brandon Ferrars Edward Robert Lucy Steele Jennings Middleton John Palmer
  Fanny Price Bertram Edmund Tom Julia Maria Crawford Henry Norris Rushworth Yates Thomas Grant Susan Morland Tilney
  Eleanor Thorpe Allen James`
    .split(/\s+/)
    .filter(Boolean),
);

/** Houses, towns and counties; several words where the place is named so (Mansfield Park). */
const PLACES = `Mansfield Park|Norland Park|Barton Park|Barton Cottage|Kellynch Hall|Donwell Abbey|Northanger Abbey|Box Hill|
  Thornton Lacey|Gretna Green|Harley Street|Gracechurch Street|Wimpole Street|Bond Street|Milsom Street|Camden Place|
  Maple Grove|Combe Magna|Mansfield|Pemberley|Longbourn|Netherfield|Meryton|London|Bath|Highbury|Hartfield|Donwell|
  Randalls|Kellynch|Uppercross|Lyme|Norland|Barton|Delaford|Cleveland|Northanger|Fullerton|Woodston|Sotherton|
  Portsmouth|Brighton|Derbyshire|Hertfordshire|Kent|Rosings|Hunsford|Lambton|Devonshire|Sussex|Somersetshire|Surrey|
  Ireland|Weymouth|Antigua|Everingham|Enscombe|Richmond|Bristol|Oxford|Scotland|England|Exeter|Plymouth|Winthrop|
  Allenham|Whitwell|Twickenham|Northamptonshire|Yorkshire|Oxfordshire|Gloucestershire|Westminster|Windsor|Ramsgate|
  Liverpool|Cornwall|Taunton|Crewkherne|Charmouth|Brunswick Square|Stanton|Cobham|Bedford|Hampshire|Wales`
  .split('|')
  .map((p) => p.trim().split(' '))
  // Longest first, so that 'Mansfield Park' is one place rather than 'Mansfield' and a stray 'Park'.
  .sort((a, b) => b.length - a.length);

/** BIO tags: places by longest match, then runs of capitalized name words as one person. */
function entityTags(ws: readonly string[]): string[] {
  const tags = ws.map(() => 'O');
  for (let i = 0; i < ws.length; ) {
    const place = PLACES.find((p) => p.every((w, k) => ws[i + k] === w));
    if (place) {
      place.forEach((_, k) => {
        tags[i + k] = k === 0 ? 'B-LOC' : 'I-LOC';
      });
      i += place.length;
      continue;
    }
    if (PEOPLE.has(ws[i] as string)) {
      let k = 0;
      while (PEOPLE.has(ws[i + k] as string)) {
        tags[i + k] = k === 0 ? 'B-PER' : 'I-PER';
        k++;
      }
      i += k;
      continue;
    }
    i++;
  }
  return tags;
}

// ---------------------------------------------------------------------------------------------------
// Extractive QA: who speaks a line of dialogue

const TITLE = '(?:Mr\\.?|Mrs\\.?|Miss|Sir|Lady|Captain|Colonel|Admiral|Dr\\.?)';
const SPEECH_VERB = '(?:said|cried|replied|answered|returned|exclaimed|continued|added|observed|rejoined)';
/**
 * '"Quote," said Mr. Darcy': the quote, and the speaker as the text names them (title included), when every
 * word of the name is on the list of people, so that 'said she' or 'said the other' never count.
 */
const TITLE_WORD = new RegExp(`^${TITLE}$`);
const ATTRIBUTION = new RegExp(`"([^"]{8,}?)[,!?]?" ${SPEECH_VERB} ((?:${TITLE} )?[A-Z][a-z]+(?: [A-Z][a-z]+)?)(?=[ ,.;:!?]|$)`, 'g');

interface QaRow {
  context: string;
  question: string;
  answers: { text: string[]; answer_start: number[] };
}

function speakerQuestions(paragraph: string): QaRow[] {
  const rows: QaRow[] = [];
  for (const sentence of sentences(paragraph)) {
    const count = words(sentence).length;
    if (count < 6 || count > 40) continue;
    for (const m of sentence.matchAll(ATTRIBUTION)) {
      const quote = m[1] as string;
      const speaker = m[2] as string;
      const nameWords = speaker.split(' ').filter((w) => !TITLE_WORD.test(w));
      if (nameWords.length === 0 || !nameWords.every((w) => PEOPLE.has(w))) continue;
      const opening = quote
        .split(/\s+/)
        .slice(0, 6)
        .join(' ')
        .replace(/[,;:]$/, '');
      const start = (m.index as number) + m[0].length - speaker.length;
      rows.push({
        context: sentence,
        question: `Who says "${opening}${quote.split(/\s+/).length > 6 ? '...' : ''}"?`,
        answers: { text: [speaker], answer_start: [start] },
      });
    }
  }
  return rows;
}

// ---------------------------------------------------------------------------------------------------

interface Paragraph {
  text: string;
  label: string;
}

function main(): void {
  const { values } = parseArgs({
    options: { corpus: { type: 'string', default: DEFAULT_CORPUS }, out: { type: 'string', default: join(ROOT, 'data') } },
  });
  const paragraphs = readFileSync(values.corpus, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Paragraph);

  const positive: object[] = [];
  const negative: object[] = [];
  const withPlaces: object[] = [];
  const withPeopleOnly: object[] = [];
  const withoutEntities: object[] = [];
  const qa: QaRow[] = [];
  for (const p of paragraphs) {
    for (const s of sentences(p.text)) {
      const ws = words(s);
      if (ws.length >= 6 && ws.length <= 35) {
        const label = sentimentOf(ws);
        if (label) (label === 'positive' ? positive : negative).push({ text: s, label, novel: p.label });
      }
      if (ws.length >= 5 && ws.length <= 25) {
        const tags = entityTags(ws);
        const row = { tokens: ws, tags, novel: p.label };
        if (tags.includes('B-LOC')) withPlaces.push(row);
        else (tags.includes('B-PER') ? withPeopleOnly : withoutEntities).push(row);
      }
    }
    qa.push(...speakerQuestions(p.text).map((r) => ({ ...r, novel: p.label })));
  }

  // Balanced classes for sentiment. Places are far rarer than people in the text: up to a third of the NER
  // sentences name one, so that LOC is learnt at all; one in six names nobody, so 'O' everywhere is not enough.
  const half = Math.min(LIMITS.sentiment / 2, positive.length, negative.length);
  const sentiment = shuffled([...shuffled(positive, SEED).slice(0, half), ...shuffled(negative, SEED + 1).slice(0, half)], SEED + 2);
  const plain = Math.round(LIMITS.ner / 6);
  const places = shuffled(withPlaces, SEED + 3).slice(0, Math.round(LIMITS.ner / 3));
  const ner = shuffled(
    [
      ...places,
      ...shuffled(withPeopleOnly, SEED + 4).slice(0, LIMITS.ner - plain - places.length),
      ...shuffled(withoutEntities, SEED + 7).slice(0, plain),
    ],
    SEED + 5,
  );
  const questions = shuffled(qa, SEED + 6).slice(0, LIMITS.qa);

  const write = (name: string, rows: readonly object[]): void => {
    const file = join(values.out, name);
    const text = rows.map((r) => `${JSON.stringify(r)}\n`).join('');
    writeFileSync(file, text);
    console.log(`${file}: ${rows.length} rows, ${(Buffer.byteLength(text) / 1024).toFixed(0)} KB`);
  };
  console.log(
    `candidates: ${positive.length} positive and ${negative.length} negative sentences; ${withPlaces.length} naming a place, ${withPeopleOnly.length} only people, ${withoutEntities.length} neither; ${qa.length} attributed lines`,
  );
  write('austen-sentiment.jsonl', sentiment);
  write('austen-ner.jsonl', ner);
  write('austen-qa.jsonl', questions);
}

main();
