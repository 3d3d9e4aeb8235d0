// Search page: queries the Pagefind index that plugins/search writes at build time.
// The index stores đ/Đ as d/D + U+0335 (a combining stroke Pagefind strips from words), so a
// query is folded the same way (tones removed, đ → d) and excerpts get their đ back for display.
const form = document.querySelector(".search-form");
const input = form.querySelector("input");
const status = document.getElementById("search-status");
const list = document.getElementById("search-results");
const root = new URL(`${form.dataset.root || "."}/`, document.baseURI);
let engine = null;
let latest = 0;

const fold = (text) =>
  text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/đ/g, "d").replace(/Đ/g, "D");
const unfold = (text) => text.replace(/d\u0335/g, "đ").replace(/D\u0335/g, "Đ");

async function load() {
  if (!engine) {
    engine = await import(new URL("pagefind/pagefind.js", root).href);
    // Result URLs are site paths under the site root, also under a project sub-path.
    await engine.options({ baseUrl: root.pathname, excerptLength: 24 });
    await engine.init();
  }
  return engine;
}

// Copy Pagefind's excerpt as text, keeping only its <mark> highlights.
function excerptNode(html) {
  const p = document.createElement("p");
  const parsed = new DOMParser().parseFromString(html, "text/html");
  for (const node of parsed.body.childNodes) {
    const text = unfold(node.textContent);
    if (node.nodeName === "MARK") {
      const mark = document.createElement("mark");
      mark.textContent = text;
      p.append(mark);
    } else {
      p.append(text);
    }
  }
  return p;
}

function resultItem(data) {
  const li = document.createElement("li");
  const article = document.createElement("article");
  article.className = "teaser";
  const h2 = document.createElement("h2");
  const a = document.createElement("a");
  a.href = new URL(data.url, root).href;
  a.textContent = unfold(data.meta.title || data.url);
  h2.append(a);
  const meta = document.createElement("p");
  meta.className = "meta";
  meta.textContent = [data.meta.date, data.meta.topic].filter(Boolean).join(" · ");
  article.append(h2, meta, excerptNode(data.excerpt));
  li.append(article);
  return li;
}

async function run(query) {
  const ticket = ++latest;
  const folded = fold(query).trim();
  const url = new URL(window.location.href);
  if (folded) url.searchParams.set("q", query);
  else url.searchParams.delete("q");
  window.history.replaceState(null, "", url);
  if (!folded) {
    list.replaceChildren();
    status.textContent = "";
    return;
  }
  status.textContent = "Đang tìm…";
  const pagefind = await load();
  const found = await pagefind.search(folded);
  const data = await Promise.all(found.results.slice(0, 20).map((r) => r.data()));
  if (ticket !== latest) return; // a newer query has started
  list.replaceChildren(...data.map(resultItem));
  status.textContent = found.results.length
    ? `Tìm thấy ${found.results.length} bài cho “${query}”.`
    : `Không có bài nào khớp “${query}”.`;
}

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
