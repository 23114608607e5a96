// The explorer's task requests: #/requests (a table with the filters of `escrow request list`)
// and #/request/N (terms, screening, proposals and the deal the award opened). Loaded before
// app.js, whose helpers (api, esc, table, facts, link, tokens, time, duration) it calls.
"use strict";

const REQUEST_ORDERS = [
  ["oldest", "Oldest first"],
  ["newest", "Newest first"],
  ["budget", "Largest budget"],
  ["deadline", "Proposals closing soonest"],
];

const REQUEST_FILTERS = [
  ["text", "Text"],
  ["min_budget", "Min budget"],
  ["max_budget", "Max budget"],
  ["poster", "Poster"],
  ["arbiter", "Arbiter"],
  ["min_rating", "Poster's min rating"],
  ["limit", "Limit"],
];

const PROPOSAL_STATUS = {
  Open: "competing",
  Rejected: "rejected",
  Awarded: "awarded",
  NotAwarded: "not awarded",
  Withdrawn: "withdrawn",
};

function requestLink(n) {
  return `<a href="#/request/${esc(n)}">request ${esc(n)}</a>`;
}

// The rules a counterparty must meet, one line; `open` when there are none.
function screeningText(s, open = "anyone may propose") {
  const rules = [];
  if (s.min_deals > 0) rules.push(`at least ${s.min_deals} deals`);
  if (s.min_rating_centi > 0) rules.push(`weighted rating at least ${(s.min_rating_centi / 100).toFixed(2)}`);
  if (s.max_disputes_lost_bps < 10000) rules.push(`at most ${s.max_disputes_lost_bps / 100}% of disputes lost`);
  if (s.max_ratings_withheld < 4294967295) rules.push(`at most ${s.max_ratings_withheld} ratings withheld`);
  if (s.allow.length) rules.push(`only ${s.allow.map(link.account).join(", ")}`);
  if (s.block.length) rules.push(`never ${s.block.map(link.account).join(", ")}`);
  return rules.length ? rules.join("; ") : open;
}

async function viewRequests(params) {
  const form = `<form class="filters" id="request-filters">
    ${REQUEST_FILTERS.map(([k, label]) => `<label>${label}<input name="${k}" value="${esc(params.get(k) || "")}"></label>`).join("")}
    <label>Order<select name="sort">${REQUEST_ORDERS.map(([v, label]) => `<option value="${v}" ${(params.get("sort") || "oldest") === v ? "selected" : ""}>${label}</option>`).join("")}</select></label>
    <label>Ended too<input type="checkbox" name="include_ended" ${params.get("include_ended") === "true" ? "checked" : ""}></label>
    <button type="submit">Filter</button></form>`;
  main.innerHTML = `<h1>Task requests</h1>${form}<div id="requests-box"><p class="empty">Loading…</p></div>`;
  document.getElementById("request-filters").addEventListener("submit", (ev) => {
    ev.preventDefault();
    const q = new URLSearchParams();
    for (const [k] of REQUEST_FILTERS) {
      const v = ev.target.elements[k].value.trim();
      if (v) q.set(k, v);
    }
    if (ev.target.elements.sort.value !== "oldest") q.set("sort", ev.target.elements.sort.value);
    if (ev.target.elements.include_ended.checked) q.set("include_ended", "true");
    location.hash = `#/requests?${q}`;
  });
  const list = await api(`/api/requests?${params}`);
  document.getElementById("requests-box").innerHTML =
    table(
      ["Request", "Title", "Budget", "State", "Poster", "Poster rating", "Proposals", "Proposals close"],
      list.requests.map((r) => [
        requestLink(r.id),
        esc(r.terms.title),
        esc(tokens(r.terms.budget)),
        esc(r.state),
        link.account(r.poster),
        r.poster_weighted_rating_centi === null ? "none" : `${rating(r.poster_weighted_rating_centi)} (${r.poster_ratings_count})`,
        esc(r.proposal_count),
        esc(time(r.proposal_deadline)),
      ]),
      "requests",
      "No request matches these filters.",
    ) + (list.next_cursor !== null ? `<p>More: <a data-testid="next-page" href="#/requests?${esc(withCursor(params, list.next_cursor))}">next page</a></p>` : "");
}

// The query of the page after this one: the same filters and order, from `cursor` on.
function withCursor(params, cursor) {
  const q = new URLSearchParams(params);
  q.set("cursor", cursor);
  return q.toString();
}

async function viewRequest(id) {
  const p = await api(`/api/requests/${encodeURIComponent(id)}`);
  const r = p.request;
  const t = r.terms;
  const proposals = table(
    ["Index", "Status", "Worker", "Price", "Delivery within", "Paid in", "Arbiter", "Rating when proposed", "Submitted"],
    p.proposals.map((x) => [
      esc(x.index),
      esc(PROPOSAL_STATUS[x.status] || x.status),
      link.account(x.worker),
      esc(tokens(x.price)),
      esc(duration(x.delivery_window)),
      x.milestones.length ? planText(x.milestones) : "one payment",
      link.account(x.arbiter),
      rating(x.rating_centi),
      esc(time(x.submitted_at)),
    ]),
    "proposals",
    "No proposal yet.",
  );
  const deal = p.deal
    ? `<p data-testid="request-deal">The award opened ${link.deal(p.deal.id)}: ${esc(tokens(p.deal.amount))} held for ${link.account(p.deal.seller)}, now ${esc(p.deal.state)}.</p>`
    : `<p class="empty" data-testid="request-deal">No deal: the request was not awarded.</p>`;
  main.innerHTML = `<h1>Request ${esc(r.id)}: ${esc(t.title)} <span class="state ${r.state === "Open" ? "open" : "final"}" data-testid="request-state">${esc(r.state)}</span></h1>
    ${facts([
      ["Description", esc(t.description) || "–"],
      ["Poster", link.account(r.poster)],
      ["Budget", esc(tokens(t.budget))],
      ["Proposals", `until ${esc(time(r.proposal_deadline))} (${esc(r.proposal_count)} submitted)`],
      ["Award", `until ${esc(time(r.award_deadline))}${t.auto_award ? "; anyone may award the best proposal once proposals close" : ""}`],
      ["Windows", `delivery up to ${duration(t.delivery_window)}, review ${duration(t.review_window)}, ruling ${duration(t.ruling_window)}`],
      ["Arbiters", t.arbiters.map(link.account).join(", ")],
      ["Screening", `<span data-testid="screening">${screeningText(t.screening)}</span>`],
    ])}
    <h2>Proposals</h2>${proposals}
    <h2>Deal</h2>${deal}`;
}
