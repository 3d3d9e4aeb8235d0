// Search page: queries the static index plugins/search writes at build time (search-index.js).
// The query is folded as the index is (tones and diacritics removed, đ → d), so "ha noi" finds
// "Hà Nội" and "da nang" finds "Đà Nẵng"; every syllable must occur in a result.  Results are put
// on the page as text (textContent, never markup), the query's words in <mark>.
import { RUN, SearchIndex, runTokens, tokens } from "./search-index.js";

const form = document.querySelector(".search-form");
const input = form.querySelector("input");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
const root = new URL(`${form.dataset.root || "."}/`, document.baseURI);
const index = new SearchIndex(new URL(form.dataset.index || "search/data/", root));
const PAGE = 20;
const MAX_SYLLABLES = 10; // a pasted paragraph must not download half the index

// Append `text` to `parent`, the words holding a syllable of `wanted` in <mark>.
function appendMarked(parent, text, wanted) {
  let at = 0;
  for (const match of text.matchAll(RUN)) {
    if (!runTokens(match[0]).some((t) => wanted.has(t))) continue;
    if (match.index > at) parent.append(text.slice(at, match.index));
    const mark = document.createElement("mark");
    mark.textContent = match[0];
    parent.append(mark);
    at = match.index + match[0].length;
  }
  if (at < text.length) parent.append(text.slice(at));
}

function resultItem([url, title, date, topic, excerpt], wanted) {
  const li = document.createElement("li");
  const article = document.createElement("article");
  article.className = "teaser";
  const h2 = document.createElement("h2");
  const a = document.createElement("a");
  const href = new URL(url, root);
  if (href.protocol === "http:" || href.protocol === "https:") a.href = href.href;
  appendMarked(a, title || url, wanted);
  h2.append(a);
  const meta = document.createElement("p");
  meta.className = "meta";
  meta.textContent = [date, topic].filter(Boolean).join(" · ");
  const p = document.createElement("p");
  appendMarked(p, excerpt, wanted);
  article.append(h2, meta, p);
  li.append(article);
  return li;
}

const more = document.createElement("button");
more.type = "button";
more.className = "search-more";
more.hidden = true;
list.after(more);

let latest = 0;
let current = null; // the shown query: { ranked, exact, wanted, query, shown }
const number = new Intl.NumberFormat("vi-VN");

function describe() {
  const { ranked, exact, query, shown } = current;
  const parts = [`Tìm thấy ${number.format(ranked.length)} bài cho “${query}”`];
  if (exact && exact < ranked.length) {
    parts.push(`${number.format(exact)} bài có đúng cụm từ này được xếp trước`);
  }
  if (shown < ranked.length) parts.push(`đang hiện ${number.format(shown)} bài đầu`);
  status.textContent = `${parts.join(", ")}.`;
  more.textContent = `Xem thêm ${Math.min(PAGE, ranked.length - shown)} bài`;
  more.hidden = shown >= ranked.length;
}

async function showMore(ticket) {
  const { ranked, wanted, shown } = current;
  const next = ranked.slice(shown, shown + PAGE);
  const found = await index.records(next);
  if (ticket !== latest) return;
  list.append(...found.map((record) => resultItem(record, wanted)));
  current.shown += next.length;
  describe();
}

function failed() {
  list.replaceChildren();
  more.hidden = true;
  status.textContent = "Không tải được chỉ mục tìm kiếm. Hãy tải lại trang để thử lại.";
}

async function run(query) {
  const ticket = ++latest;
  const syllables = tokens(query).slice(0, MAX_SYLLABLES);
  const url = new URL(window.location.href);
  if (query.trim()) url.searchParams.set("q", query);
  else url.searchParams.delete("q");
  window.history.replaceState(null, "", url);
  current = null;
  more.hidden = true;
  if (!syllables.length) {
    list.replaceChildren();
    status.textContent = "";
    return;
  }
  status.textContent = "Đang tìm…";
  try {
    const { docs: ranked, exact } = await index.rank(syllables);
    if (ticket !== latest) return; // a newer query has started
    list.replaceChildren();
    if (!ranked.length) {
      status.textContent = `Không có bài nào khớp “${query}”.`;
      return;
    }
    current = { ranked, exact, wanted: new Set(syllables), query, shown: 0 };
    await showMore(ticket);
  } catch {
    if (ticket === latest) failed();
  }
}

more.addEventListener("click", () => {
  if (current) showMore(latest).catch(failed);
});

let timer = 0;
input.addEventListener("input", () => {
  clearTimeout(timer);
  timer = setTimeout(() => run(input.value), 250);
});
form.addEventListener("submit", (event) => {
  event.preventDefault();
  clearTimeout(timer);
  run(input.value);
});
const initial = new URL(window.location.href).searchParams.get("q");
if (initial) {
  input.value = initial;
  run(initial);
}
