// The static search index that plugins/search writes into search/data/ (format and folding:
// plugins/search/index.py and text.py).  No DOM here: search.js shows the results, and the
// browser tests check these functions against the Python side.

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const DIGIT = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) DIGIT[ALPHABET.charCodeAt(i)] = i;
export const VERSION = 1;
const MAX_TOKEN = 32;
const K1 = 1.2;
const B = 0.75;
const PAIR_WEIGHT = 1.5; // adjacent query syllables that also stand together in the text
const TITLE_WEIGHT = 1; // per query term in the title, times its idf

const MARKS = /[\u0300-\u036f]+/g;
export const RUN = /(?:[\p{L}\p{N}]|[\u0300-\u036f])+/gu;
const WORD = /[\p{L}\p{N}]+/gu;

// NFD, lower case, tone and diacritic marks removed, đ → d: "Đà Nẵng" → "da nang" (and Greek
// final ς → σ, so lower-casing never depends on the neighbouring text).
export const fold = (text) =>
  text.normalize("NFD").toLowerCase().replace(MARKS, "").replace(/đ/g, "d").replace(/ς/g, "σ");

// The syllables of one run of letters, digits and marks.
export function runTokens(run) {
  return (fold(run).match(WORD) || []).map((word) =>
    word.length > MAX_TOKEN ? Array.from(word).slice(0, MAX_TOKEN).join("") : word,
  );
}

export function tokens(text) {
  return (text.match(RUN) || []).flatMap(runTokens);
}

const CRC = new Uint32Array(256).map((_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c;
});
const encoder = new TextEncoder();

// CRC-32 of the UTF-8 text, as Python's zlib.crc32.
export function crc32(text) {
  let c = 0xffffffff;
  for (const byte of encoder.encode(text)) c = CRC[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

// Postings: per document, the gap from the previous one (base-64, five bits a digit, least
// significant first, +32 when more digits follow) and one digit: occurrences (≤ 15), +16 if the
// title has the term.
export function decode(postings) {
  const docs = [];
  const values = [];
  let doc = -1;
  let i = 0;
  while (i < postings.length) {
    let gap = 0;
    let scale = 1;
    let digit;
    do {
      digit = DIGIT[postings.charCodeAt(i++)];
      gap += (digit & 31) * scale;
      scale *= 32;
    } while (digit & 32);
    doc += gap;
    docs.push(doc);
    values.push(DIGIT[postings.charCodeAt(i++)]);
  }
  return { docs, values };
}

export class SearchIndex {
  // `base`: the URL of the index folder (ending in "/").
  constructor(base) {
    this.base = base;
    this.files = new Map();
  }

  load(path) {
    if (!this.files.has(path)) {
      const request = fetch(new URL(path, this.base)).then((response) => {
        if (!response.ok) throw new Error(`${response.status} ${path}`);
        return response.json();
      });
      request.catch(() => this.files.delete(path)); // tried again by the next query
      this.files.set(path, request);
    }
    return this.files.get(path);
  }

  async meta() {
    const meta = await this.load("meta.json");
    if (meta.v !== VERSION) throw new Error(`search index version ${meta.v}, not ${VERSION}`);
    return meta;
  }

  async postings(term) {
    const meta = await this.meta();
    const shard = await this.load(`t/${crc32(term) % meta.shards}.json`);
    return Object.prototype.hasOwnProperty.call(shard, term) ? decode(shard[term]) : null;
  }

  // The documents holding every syllable of the query, best first: { docs, exact }.  The first
  // `exact` of them also hold every pair of adjacent query syllables (the query as a phrase,
  // "ha noi" → Hà Nội rather than "hạ … nội"); within each group, BM25 with the pairs and the
  // title as bonuses.
  async rank(syllables) {
    const meta = await this.meta();
    const unique = [...new Set(syllables)];
    const pairs = [...new Set(syllables.slice(1).map((s, i) => `${syllables[i]} ${s}`))];
    const [words, phrases] = await Promise.all([
      Promise.all(unique.map((term) => this.postings(term))),
      Promise.all(pairs.map((term) => this.postings(term))),
    ]);
    if (!words.length || words.some((p) => p === null)) return { docs: [], exact: 0 };
    const n = meta.docs;
    const norm = (doc) => {
      const length = 2 ** (DIGIT[meta.lengths.charCodeAt(doc)] / 4) - 1;
      return K1 * (1 - B + (B * length) / (meta.avg || 1));
    };
    const hits = new Uint8Array(n);
    const pairHits = new Uint8Array(n);
    const score = new Float64Array(n);
    const add = ({ docs, values }, weight, counts, only) => {
      const idf = Math.log(1 + (n - docs.length + 0.5) / (docs.length + 0.5));
      docs.forEach((doc, k) => {
        if (only && hits[doc] !== unique.length) return;
        const tf = values[k] & 15;
        const title = values[k] & 16 ? TITLE_WEIGHT : 0;
        score[doc] += weight * idf * ((tf * (K1 + 1)) / (tf + norm(doc)) + title);
        counts[doc] += 1;
      });
    };
    for (const p of words) add(p, 1, hits, false);
    for (const p of phrases) if (p) add(p, PAIR_WEIGHT, pairHits, true);
    // Every pair must exist somewhere for any document to hold the whole phrase.
    const phrase = pairs.length > 0 && phrases.every((p) => p !== null) ? pairs.length : -1;
    const shortest = words.reduce((a, b) => (a.docs.length <= b.docs.length ? a : b));
    const docs = shortest.docs
      .filter((doc) => hits[doc] === unique.length)
      .sort(
        (a, b) =>
          (pairHits[b] === phrase) - (pairHits[a] === phrase) || score[b] - score[a] || a - b,
      );
    let exact = 0;
    while (exact < docs.length && pairHits[docs[exact]] === phrase) exact += 1;
    return { docs, exact };
  }

  // [url, title, date, topic, excerpt] of each document.
  async records(docs) {
    const meta = await this.meta();
    const shards = await Promise.all(
      docs.map((doc) => this.load(`d/${Math.floor(doc / meta.shardDocs)}.json`)),
    );
    return docs.map((doc, i) => shards[i][doc % meta.shardDocs]);
  }
}
