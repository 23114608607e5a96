// The explorer page: hash routes (#/, #/block/N, #/offers, #/offer/N, #/requests, #/request/N
// (in requests.js), #/deal/N, #/account/X),
// each rendered from the JSON API. Polls /api/status to show whether the node is reachable and
// refreshes the latest blocks while they are on screen.
"use strict";

const main = document.getElementById("main");
const statusBar = document.getElementById("node-status");
const historyBar = document.getElementById("history-status");
let units = { decimals: 12, symbol: "UNIT" };
let nodeUp = null;
// The current view's redraw on a new block (pushed by /api/live), if it has one.
let liveDraw = null;

// ---- helpers -------------------------------------------------------------------------------

function esc(v) {
  return String(v ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

// Plancks (a decimal string or number) in tokens, exactly, without floating point.
function tokens(plancks) {
  if (plancks === null || plancks === undefined) return "–";
  const s = String(plancks).replace(/^0+(?=\d)/, "");
  const d = units.decimals;
  const whole = s.length > d ? s.slice(0, s.length - d) : "0";
  const frac = s.padStart(d, "0").slice(-d).replace(/0+$/, "");
  return `${whole}${frac ? "." + frac : ""} ${units.symbol}`;
}

// An average rating ×100 as shown: "none" for null (an account without ratings), never 0.00,
// which would read as the worst rating.
function rating(centi) {
  return centi === null || centi === undefined ? "none" : (Number(centi) / 100).toFixed(2);
}

// A deal opened by a task request's award has no offer: its offer_id is null.
function fromRequest(deal) {
  return deal.offer_id === null;
}

// Where a deal page's deal came from: its offer, or the task request whose award opened it.
function dealOrigin(p) {
  const d = p.deal;
  if (!fromRequest(d)) return link.offer(d.offer_id) + ` (version ${esc(d.offer_version)})`;
  return p.request_id === null
    ? "none: opened by a task request's award"
    : `none: opened by the award of ${requestLink(p.request_id)}`;
}

function time(ms) {
  if (ms === null || ms === undefined) return "–";
  return new Date(Number(ms)).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

function short(s) {
  s = String(s ?? "");
  return s.length > 20 ? `${s.slice(0, 8)}…${s.slice(-6)}` : s;
}

const link = {
  block: (n) => `<a href="#/block/${esc(n)}">#${esc(n)}</a>`,
  deal: (n) => `<a href="#/deal/${esc(n)}">deal ${esc(n)}</a>`,
  offer: (n) => `<a href="#/offer/${esc(n)}">offer ${esc(n)}</a>`,
  account: (a) => (a ? `<a class="mono" href="#/account/${esc(a)}" title="${esc(a)}">${esc(short(a))}</a>` : "–"),
};

function fieldsText(fields) {
  return Object.entries(fields || {})
    .map(([k, v]) => `${esc(k)}: ${esc(typeof v === "object" && v !== null ? JSON.stringify(v) : v)}`)
    .join(", ");
}

function facts(rows) {
  return `<dl class="facts">${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${v}</dd>`).join("")}</dl>`;
}

function table(headers, rows, testid, empty) {
  if (!rows.length) return `<p class="empty" data-testid="${testid}-empty">${esc(empty)}</p>`;
  return `<table data-testid="${testid}"><thead><tr>${headers.map((h) => `<th>${esc(h)}</th>`).join("")}</tr></thead>
    <tbody>${rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join("")}</tr>`).join("")}</tbody></table>`;
}

class ApiError extends Error {
  constructor(status, body) {
    super(body.error || `HTTP ${status}`);
    this.status = status;
    this.kind = body.kind;
  }
}

async function api(path) {
  const res = await fetch(path, { cache: "no-store" });
  let body;
  try {
    body = await res.json();
  } catch (_) {
    body = { error: `${res.status} ${res.statusText}` };
  }
  if (!res.ok) {
    if (body.kind === "node_down") setNode(false, downText(body.error));
    throw new ApiError(res.status, body);
  }
  return body;
}

function showError(e) {
  const what = e.kind === "node_down" ? "The node is unreachable; this page retries by itself." : "";
  main.innerHTML = `<p class="error" data-testid="error">${esc(e.message)}</p><p class="empty">${esc(what)}</p>`;
}

// ---- node status ---------------------------------------------------------------------------

function setNode(up, text) {
  const changed = nodeUp !== up;
  nodeUp = up;
  statusBar.dataset.state = up ? "up" : "down";
  statusBar.textContent = text;
  // Coming back: redraw the current view with fresh data.
  if (changed && up) route();
}

function downText(error) {
  return `Node unreachable: ${error}. Reconnecting by itself…`;
}

async function pollStatus() {
  try {
    const s = await (await fetch("/api/status", { cache: "no-store" })).json();
    if (s.connected) {
      const st = s.status;
      units = { decimals: st.decimals, symbol: st.symbol };
      const dep = st.deployment
        ? `escrow ${short(st.deployment.escrow)}, reputation ${short(st.deployment.reputation)}`
        : `no escrow deployment (${st.deployment_error})`;
      setNode(true, `Connected to ${st.url} · best block #${st.best_block} · ${dep}`);
    } else {
      setNode(false, downText(s.error));
    }
  } catch (e) {
    setNode(false, `The explorer server itself is not answering (${e.message}).`);
  }
}

// How far the event store's history reaches back, as /api/live pushes it while the explorer
// fills it in: deal histories and account pages lack the events before it until it is complete.
function showHistory(s) {
  if (s.history_from == null) {
    historyBar.hidden = true;
    return;
  }
  const to = s.deployment_block != null ? ` (the deployment is at block #${s.deployment_block})` : "";
  historyBar.dataset.complete = s.history_complete ? "yes" : "no";
  historyBar.textContent = s.history_complete
    ? `History indexed from block #${s.history_from}: complete${to}.`
    : `History indexed from block #${s.history_from}, filling in earlier blocks${to}…`;
  historyBar.hidden = false;
}

// ---- views ---------------------------------------------------------------------------------

async function viewHome() {
  main.innerHTML = `<h1>Latest blocks</h1><div id="blocks-box"><p class="empty">Loading…</p></div>`;
  const draw = async () => {
    const box = document.getElementById("blocks-box");
    if (!box) return;
    try {
      const list = await api("/api/blocks?limit=15");
      box.innerHTML = table(
        ["Block", "Hash", "Time", "Extrinsics"],
        list.blocks.map((b) => [link.block(b.number), `<span class="mono">${esc(short(b.hash))}</span>`, esc(time(b.timestamp)), esc(b.extrinsics)]),
        "blocks",
        "No blocks yet.",
      );
    } catch (e) {
      box.innerHTML = `<p class="error" data-testid="error">${esc(e.message)}</p>`;
    }
  };
  await draw();
  liveDraw = draw;
}

async function viewBlock(id) {
  const b = await api(`/api/blocks/${encodeURIComponent(id)}`);
  const ext = b.extrinsics.map((x) => [
    esc(x.index),
    `${esc(x.pallet)}.${esc(x.call)}` +
      (x.contract_call ? `<div class="ink-event">${esc(x.contract_call.contract)}.${esc(x.contract_call.message)}(${fieldsText(x.contract_call.args)})</div>` : ""),
    link.account(x.signer),
    x.success === null ? "–" : x.success ? "ok" : "failed",
    `<span class="fields">${esc(x.args.length > 300 ? x.args.slice(0, 300) + "…" : x.args)}</span>`,
  ]);
  const evs = b.events.map((e) => [
    e.extrinsic === null ? "–" : esc(e.extrinsic),
    `${esc(e.pallet)}.${esc(e.variant)}`,
    e.contract_event
      ? `<span class="ink-event" data-testid="ink-event">${esc(e.contract_event.contract)}: <b>${esc(e.contract_event.name)}</b></span> <span class="fields">${fieldsText(e.contract_event.fields)}</span>`
      : `<span class="fields">${esc(e.fields.length > 300 ? e.fields.slice(0, 300) + "…" : e.fields)}</span>`,
  ]);
  main.innerHTML = `<h1 data-testid="block-title">Block #${esc(b.number)}</h1>
    ${facts([
      ["Hash", `<span class="mono">${esc(b.hash)}</span>`],
      ["Parent", b.number > 0 ? `<a class="mono" href="#/block/${esc(b.parent_hash)}">${esc(b.parent_hash)}</a>` : "–"],
      ["Time", esc(time(b.timestamp))],
    ])}
    <h2>Extrinsics (${b.extrinsics.length})</h2>
    ${table(["#", "Call", "Signer", "Result", "Arguments"], ext, "extrinsics", "No extrinsics.")}
    <h2>Events (${b.events.length})</h2>
    ${table(["Extrinsic", "Event", "Fields"], evs, "events", "No events.")}`;
}

const FILTERS = [
  ["text", "Text"],
  ["min_price", "Min price"],
  ["max_price", "Max price"],
  ["seller", "Seller"],
  ["arbiter", "Arbiter"],
  ["min_rating", "Min rating"],
  ["limit", "Limit"],
];

async function viewOffers(params) {
  const form = `<form class="filters" id="offer-filters">
    ${FILTERS.map(([k, label]) => `<label>${label}<input name="${k}" value="${esc(params.get(k) || "")}"></label>`).join("")}
    <label>Inactive too<input type="checkbox" name="include_inactive" ${params.get("include_inactive") === "true" ? "checked" : ""}></label>
    <button type="submit">Filter</button></form>`;
  main.innerHTML = `<h1>Offers</h1>${form}<div id="offers-box"><p class="empty">Loading…</p></div>`;
  document.getElementById("offer-filters").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    for (const [k] of FILTERS) {
      const v = ev.target.elements[k].value.trim();
      if (v) q.set(k, v);
    }
    if (ev.target.elements.include_inactive.checked) q.set("include_inactive", "true");
    location.hash = `#/offers?${q}`;
  });
  const list = await api(`/api/offers?${params}`);
  document.getElementById("offers-box").innerHTML =
    table(
      ["Offer", "Title", "Price", "Left", "Seller", "Seller rating", "Arbiter", "Active"],
      list.offers.map((o) => [
        link.offer(o.id),
        esc(o.terms.title),
        esc(tokens(o.terms.price)),
        esc(o.terms.quantity),
        link.account(o.seller),
        o.seller_average_rating_centi === null ? "none" : `${rating(o.seller_average_rating_centi)} (${esc(o.seller_ratings_count)})`,
        link.account(o.terms.arbiter),
        o.active ? "yes" : "no",
      ]),
      "offers",
      "No offer matches these filters.",
    ) + (list.next_from !== null ? `<p>More: <a href="#/offers?${esc(withFrom(params, list.next_from))}">next page</a></p>` : "");
}

function withFrom(params, from) {
  const q = new URLSearchParams(params);
  q.set("from", from);
  return q.toString();
}

function duration(ms) {
  const s = Math.round(Number(ms) / 1000);
  if (s % 86400 === 0) return `${s / 86400} d`;
  if (s % 3600 === 0) return `${s / 3600} h`;
  if (s % 60 === 0) return `${s / 60} min`;
  return `${s} s`;
}

async function viewOffer(id) {
  const p = await api(`/api/offers/${encodeURIComponent(id)}`);
  const o = p.offer;
  const t = o.terms;
  main.innerHTML = `<h1>Offer ${esc(o.id)}: ${esc(t.title)}</h1>
    ${facts([
      ["Description", esc(t.description) || "–"],
      ["Seller", link.account(o.seller) + ` · rating <span data-testid="seller-rating">${rating(p.seller_reputation.average_rating_centi)}</span> from ${esc(p.seller_reputation.ratings_count)}`],
      ["Price", esc(tokens(t.price))],
      ["Quantity left", esc(t.quantity)],
      ["Bond per unit", esc(tokens(t.bond_per_unit))],
      ["Buyers", `<span data-testid="offer-screening">${screeningText(t.screening, "anyone may buy")}</span>`],
      ["Arbiter", `${link.account(t.arbiter)} · fee at most ${o.arbiter_fee_bps / 100}%`],
      ["Platform fee", `at most ${o.platform_fee_bps / 100}%`],
      ["Windows", `delivery ${duration(t.delivery_window)}, review ${duration(t.review_window)}, ruling ${duration(t.ruling_window)}`],
      ["Paid in", t.milestones.length ? `<span data-testid="offer-milestones">milestones per unit: ${planText(t.milestones)}</span>` : "one payment"],
      ["Version", esc(o.version)],
      ["Active", o.active ? "yes" : "no (withdrawn or sold out)"],
      ["Created", esc(time(o.created_at))],
    ])}`;
}

async function viewDeal(id) {
  const p = await api(`/api/deals/${encodeURIComponent(id)}`);
  const d = p.deal;
  const stateClass = p.is_final ? "final" : "open";
  const deadlines = p.is_final
    ? `<p data-testid="deadlines" class="empty">The deal ended (${esc(d.state)}${d.closed_at ? " at " + esc(time(d.closed_at)) : ""}); no deadline is left and the escrow holds nothing for it.${p.deadlines
        .map((x) => ` From ${esc(time(x.at))}${x.passed ? " (passed)" : ""} ${esc(x.after)}.`)
        .join("")}${d.report_pending ? " Its reputation report is pending: anyone may send it again (deal retry-report)." : ""}</p>`
    : table(
        ["Deadline", "At", "Before it", "From then on"],
        p.deadlines.map((x) => [esc(x.name), esc(time(x.at)) + (x.passed ? " (passed)" : ""), esc(x.before), esc(x.after)]),
        "deadlines",
        "No deadline is running.",
      );
  const timeline = p.timeline.length
    ? `<ol class="timeline" data-testid="timeline">${p.timeline
        .map(
          (e) => `<li><span class="event-name">${esc(e.name)}</span><span class="when">${link.block(e.block)} · ${esc(time(e.time))} · ${esc(e.contract)}</span>
          <div class="fields">${fieldsText(e.fields)}</div></li>`,
        )
        .join("")}</ol>`
    : `<p class="empty" data-testid="timeline-empty">No events found for this deal.</p>`;
  const payout = d.payout;
  const words = p.words.length
    ? `<ol class="thread" data-testid="words">${p.words.map(wordsEntry).join("")}</ol>`
    : `<p class="empty" data-testid="words-empty">Nothing was said on the record.</p>`;
  const rec = p.record;
  const ratings = rec
    ? facts([
        ["Outcome", esc(rec.outcome)],
        ["Buyer's rating of the seller", rec.buyer_score ?? (rec.buyer_commitment ? "committed, not revealed" : "none")],
        ["Seller's rating of the buyer", rec.seller_score ?? (rec.seller_commitment ? "committed, not revealed" : "none")],
      ])
    : `<p class="empty">The reputation contract has no record of this deal yet.</p>`;
  main.innerHTML = `<h1>Deal ${esc(d.id)} <span class="state ${stateClass}" data-testid="deal-state">${esc(d.state)}</span></h1>
    ${facts([
      ["Offer", dealOrigin(p)],
      ["Buyer", link.account(d.buyer)],
      ["Seller", link.account(d.seller)],
      ["Arbiter", link.account(d.arbiter)],
      ["Quantity × unit price", `${esc(d.quantity)} × ${esc(tokens(d.unit_price))}`],
    ])}
    <h2>Amounts</h2>
    ${facts([
      ["Paid into escrow", esc(tokens(d.amount))],
      ["Released so far", esc(tokens(d.released))],
      ["Still held", `<span data-testid="remaining">${esc(tokens(p.remaining))}</span>`],
      ["Seller's bond", esc(tokens(d.bond))],
      ["Fees", `platform ${d.platform_fee_bps / 100}%, arbiter ${d.arbiter_fee_bps / 100}% (on a ruling)`],
      ["Paid out", `seller ${esc(tokens(payout.to_seller))}, buyer ${esc(tokens(payout.to_buyer))}, platform ${esc(tokens(payout.platform_fee))}, arbiter ${esc(tokens(payout.arbiter_fee))}, bond to buyer ${esc(tokens(payout.bond_to_buyer))}, bond returned ${esc(tokens(payout.bond_returned))}`],
    ])}
    ${milestonesView(d, p.is_final)}
    <h2>Deadlines</h2>${deadlines}
    <p class="fields">Created ${esc(time(d.created_at))}; delivery by ${esc(time(d.delivery_deadline))}${d.review_deadline ? "; review until " + esc(time(d.review_deadline)) : ""}${d.disputed_by !== "Nobody" && d.ruling_deadline ? "; disputed by the " + esc(d.disputed_by.toLowerCase()) + ", ruling by " + esc(time(d.ruling_deadline)) : ""}${d.proposed_by !== "Nobody" ? "; the " + esc(d.proposed_by.toLowerCase()) + " proposes " + esc(d.proposed_seller_bps / 100) + "% to the seller" : ""}.</p>
    <h2>On the record</h2>${words}
    <h2>Timeline</h2>${timeline}
    <h2>Ratings</h2><div data-testid="ratings">${ratings}</div>`;
}

// One document cited on a deal: who said what, where and when; words only when their bytes
// match the cited hash.
const WORDS_KINDS = {
  delivery_note: "Delivery note",
  statement: "Dispute statement",
  evidence: "Evidence",
  reasons: "The ruling's reasons",
  rating_comment: "Rating comment",
};
function wordsEntry(w) {
  const said =
    w.words.status === "on_chain"
      ? `<blockquote class="words">${esc(w.words.text)}</blockquote>`
      : w.words.status === "does_not_match"
        ? `<p class="empty">The bytes published for this document do not match its hash: not shown.</p>`
        : `<p class="empty">Not on chain: cited by its hash ${esc(w.document)}, its words cannot be checked here.</p>`;
  return `<li><span class="event-name">${esc(WORDS_KINDS[w.kind] ?? w.kind)}</span> <span class="when">by ${link.account(w.by)} · ${link.block(w.block)} · ${esc(time(w.timestamp))}</span>${said}</li>`;
}

// "(3)", or "(latest 25 of 40)" when the page lists only the latest rows.
function shown(listed, total, testid) {
  const text = listed < total ? `latest ${listed} of ${total}` : `${total}`;
  return `<span class="muted" data-testid="${testid}">(${esc(text)})</span>`;
}

async function viewAccount(id) {
  const a = await api(`/api/accounts/${encodeURIComponent(id)}`);
  const r = a.reputation;
  const rep = r
    ? facts([
        ["Average rating", `<span data-testid="average-rating">${rating(r.average_rating_centi)}</span> from ${esc(r.ratings_count)} rating(s)`],
        ["Value-weighted average", `<span data-testid="weighted-rating">${rating(r.weighted_average_centi)}</span>`],
        ["Deals completed", `${esc(r.deals_completed_as_buyer)} as buyer, ${esc(r.deals_completed_as_seller)} as seller`],
        ["Failed as seller", `<span data-testid="failed-as-seller">${esc(r.deals_failed_as_seller)} of ${esc(r.deals_as_seller)}</span> deal(s)`],
        ["Volume", esc(tokens(r.volume))],
        ["Disputes opened", `${esc(r.disputes_opened)} (${esc(r.disputes_won)} won, ${esc(r.disputes_lost)} lost)`],
        ["Disputes answered", `${esc(r.disputes_answered)} (${esc(r.disputes_answered_won)} won, ${esc(r.disputes_answered_lost)} lost)`],
        ["Arbitrations", `${esc(r.arbitrations)} (${esc(r.arbitrations_in_time)} in time)`],
        ["Ratings withheld", esc(r.ratings_withheld)],
      ])
    : `<p class="empty">No escrow deployment on this chain.</p>`;
  main.innerHTML = `<h1>Account <span class="mono">${esc(a.account)}</span></h1>
    ${facts([
      ["Free balance", `<span data-testid="free-balance">${esc(tokens(a.free))}</span>`],
      ["Escrow credit", esc(a.escrow_credit === null ? "–" : tokens(a.escrow_credit))],
    ])}
    <h2>Reputation</h2><div data-testid="reputation">${rep}</div>
    <h2>Deals ${shown(a.deals.length, a.deal_count, "account-deal-count")}</h2>
    ${table(
      ["Deal", "Role", "State", "Amount", "Offer"],
      a.deals.map((d) => [link.deal(d.id), d.buyer === a.account ? "buyer" : d.seller === a.account ? "seller" : "arbiter", esc(d.state), esc(tokens(d.amount)), fromRequest(d) ? "task request" : link.offer(d.offer_id)]),
      "account-deals",
      "No deals.",
    )}
    <h2>Offers ${shown(a.offers.length, a.offer_count, "account-offer-count")}</h2>
    ${table(
      ["Offer", "Title", "Price", "Left", "Active"],
      a.offers.map((o) => [link.offer(o.id), esc(o.terms.title), esc(tokens(o.terms.price)), esc(o.terms.quantity), o.active ? "yes" : "no"]),
      "account-offers",
      "No offers.",
    )}`;
}

async function viewSearch(q) {
  const r = await api(`/api/search?q=${encodeURIComponent(q)}`);
  if (r.matches.length === 1) {
    const m = r.matches[0];
    location.replace(`#/${m.kind}/${encodeURIComponent(m.id)}`);
    return;
  }
  main.innerHTML = `<h1>Search: ${esc(r.query)}</h1>` +
    (r.matches.length
      ? `<ul data-testid="search-results">${r.matches.map((m) => `<li><a href="#/${esc(m.kind)}/${esc(encodeURIComponent(m.id))}">${esc(m.label)}</a></li>`).join("")}</ul>`
      : `<p class="empty" data-testid="search-empty">No deal, offer, block or account matches “${esc(r.query)}”.</p>`);
}

// ---- routing -------------------------------------------------------------------------------

async function route() {
  liveDraw = null;
  const [path, query] = (location.hash.replace(/^#/, "") || "/").split("?");
  const parts = path.split("/").filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(query || "");
  try {
    switch (parts[0]) {
      case undefined: return await viewHome();
      case "block": return await viewBlock(parts[1]);
      case "offers": return await viewOffers(params);
      case "offer": return await viewOffer(parts[1]);
      case "requests": return await viewRequests(params);
      case "request": return await viewRequest(parts[1]);
      case "deal": return await viewDeal(parts[1]);
      case "account": return await viewAccount(parts[1]);
      case "search": return await viewSearch(params.get("q") || "");
      default: main.innerHTML = `<p class="error">No such page: ${esc(location.hash)}</p>`;
    }
  } catch (e) {
    showError(e);
  }
}

document.getElementById("search").addEventListener("submit", (ev) => {
  ev.preventDefault();
  const q = document.getElementById("search-input").value.trim();
  if (q) location.hash = `#/search?q=${encodeURIComponent(q)}`;
});
window.addEventListener("hashchange", route);

// The server pushes the node's state and each new best block; nothing here polls.
function followLive() {
  let lastLive = null;
  const source = new EventSource("/api/live");
  source.addEventListener("status", async (ev) => {
    const s = JSON.parse(ev.data);
    if (s.node === "up") {
      showHistory(s);
      // History moving back alone changes nothing the views show until it is complete.
      const seen = `${s.best_block}/${s.indexed_block}/${s.history_complete}`;
      if (seen === lastLive) return;
      lastLive = seen;
      await pollStatus();
      if (liveDraw) await liveDraw();
    } else if (s.node === "down") {
      lastLive = null;
      historyBar.hidden = true;
      setNode(false, downText(s.error));
    }
  });
  // The browser reconnects by itself when the explorer server comes back.
  source.onerror = () => {
    lastLive = null;
    if (source.readyState !== EventSource.OPEN) {
      setNode(false, "The explorer server itself is not answering. Reconnecting by itself…");
    }
  };
}

pollStatus().then(() => {
  if (nodeUp !== true) route();
});
followLive();
