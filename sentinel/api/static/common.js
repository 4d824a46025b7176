// Shared by the status page and the explorer: formatting and the only ways either
// writes to the page. Everything goes through textContent or createElement, so nothing
// from the API is ever parsed as HTML.
"use strict";

const fmt = {
  pct: (x) => (x === null || x === undefined ? "–" : (x * 100).toFixed(1) + "%"),
  ms: (x) => (x === null || x === undefined ? "–" : Math.round(x) + " ms"),
  int: (x) => (x === null || x === undefined ? "–" : String(x)),
  // 0s, 45s, 12m 5s, 3h 20m, 2d 4h: the two largest units
  duration: (seconds) => {
    let s = Math.floor(seconds);
    const units = [["d", 86400], ["h", 3600], ["m", 60], ["s", 1]];
    const parts = [];
    for (const [name, size] of units) {
      if (s >= size && parts.length < 2) {
        parts.push(Math.floor(s / size) + name);
        s %= size;
      }
    }
    return parts.length ? parts.join(" ") : "0s";
  },
  time: (iso) => (iso ? new Date(iso).toISOString().replace("T", " ").slice(0, 19) + " UTC" : "–"),
};

function setText(id, text) {
  document.getElementById(id).textContent = text;
}

function fillTable(id, rows, emptyId) {
  const body = document.querySelector("#" + id + " tbody");
  body.replaceChildren(
    ...rows.map(({ cells, attrs }) => {
      const tr = document.createElement("tr");
      for (const [k, v] of Object.entries(attrs || {})) tr.dataset[k] = v;
      for (const cell of cells) {
        const td = document.createElement("td");
        if (typeof cell === "object" && cell.href) {
          const a = el("a", cell.text, cell.cls);
          a.href = cell.href; // built by the page from encodeURIComponent'd ids
          td.appendChild(a);
        } else if (typeof cell === "object") {
          td.textContent = cell.text;
          td.className = cell.cls;
        } else {
          td.textContent = cell;
        }
        tr.appendChild(td);
      }
      return tr;
    })
  );
  if (emptyId) {
    document.getElementById(emptyId).hidden = rows.length > 0;
    document.getElementById(id).hidden = rows.length === 0;
  }
}

// An element with text (and a class): how the explorer builds its pages.
function el(tag, text, cls) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (cls) node.className = cls;
  return node;
}
