// Milestone plans on the offer, request and deal pages (loaded before app.js). A plan is a
// list of { amount, delivery_window }; a deal also has `milestone`, the step under way.
"use strict";

// "1) 20 UNIT within 1 d, 2) 25 UNIT within 2 d".
function planText(plan) {
  return plan.map((m, i) => `${i + 1}) ${esc(tokens(m.amount))} within ${esc(duration(m.delivery_window))}`).join(", ");
}

// What became of step `i` of deal `d`.
function stepStatus(d, i, ended) {
  const current = Number(d.milestone);
  if (i < current) return "paid";
  if (i === current) return ended ? (d.state === "Completed" ? "paid" : `ended the deal (${d.state})`) : "under way";
  return ended ? "returned to the buyer" : "to come";
}

// The deal page's milestone section: a progress line and a row per step; "" without a plan.
function milestonesView(d, ended) {
  if (!d.milestones || d.milestones.length === 0) return "";
  const current = Math.min(Number(d.milestone) + 1, d.milestones.length);
  return `<h2>Milestones</h2>
    <p data-testid="milestone-progress">Milestone ${esc(current)} of ${esc(d.milestones.length)}${ended ? " when the deal ended" : " under way"}.</p>
    ${table(
      ["Milestone", "Amount", "Delivery within", "Status"],
      d.milestones.map((m, i) => [esc(i + 1), esc(tokens(m.amount)), esc(duration(m.delivery_window)), esc(stepStatus(d, i, ended))]),
      "milestones",
      "",
    )}`;
}
