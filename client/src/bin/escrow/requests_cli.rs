//! `escrow request …` and `escrow proposal …`: clap definitions and dispatch to
//! [`escrow_client::ops::requests`].

use clap::{Args, Subcommand};

use crate::output::Report;
use crate::screening_cli::ScreeningFlags;
use escrow_client::ops::requests::{self, CreateRequestArgs, ProposeArgs};
use escrow_client::ops::stored_requests::{self, RequestFilter};
use escrow_client::ops::{Ctx, OpResult};
use escrow_client::store::RequestSort;

#[derive(Debug, Clone, Subcommand)]
pub enum RequestCmd {
    /// Post a task request, paying its budget into the requests contract.
    Create(RequestCreate),
    /// Search requests by text, budget, poster, the poster's rating and arbiter.
    List(RequestListCmd),
    /// One request: terms, screening, proposals and the deal it led to.
    Show {
        /// The request's id.
        request: u64,
    },
    /// Poster: cancel a request that was not awarded; the budget comes back.
    Cancel {
        /// The request's id.
        request: u64,
    },
    /// Anyone: close a request whose award window passed; the budget goes back to the poster.
    Close {
        /// The request's id.
        request: u64,
    },
    /// Poster: award a proposal (--proposal N), opening its deal; without --proposal, anyone
    /// triggers the auto-award of a request that allows it.
    Award {
        /// The request's id.
        request: u64,
        /// The index of the proposal to award (`escrow proposal list`).
        #[arg(long)]
        proposal: Option<u32>,
    },
    /// Poster: remove an awarded, cancelled or closed request; its storage deposit comes back.
    Remove {
        /// The request's id.
        request: u64,
    },
}

#[derive(Debug, Clone, Subcommand)]
pub enum ProposalCmd {
    /// Propose a price and delivery window for a request.
    Submit(ProposalSubmit),
    /// The live proposals of a request.
    List {
        /// The request's id.
        request: u64,
    },
    /// Withdraw your proposal on a request, or remove your rejected one (its storage deposit
    /// comes back); once the request ended, this also frees your place on it.
    Withdraw {
        /// The request's id.
        request: u64,
    },
    /// Poster: reject a competing proposal. Its slot is free for another worker; its worker
    /// cannot propose again, and removes it with `proposal withdraw`.
    Reject {
        /// The request's id.
        request: u64,
        /// The index of the proposal to reject (`escrow proposal list`).
        index: u32,
    },
}

#[derive(Debug, Clone, Args)]
pub struct RequestCreate {
    /// What needs doing, at most 64 bytes.
    #[arg(long)]
    pub title: String,
    /// Details or a content hash, at most 256 bytes.
    #[arg(long, default_value = "")]
    pub description: String,
    /// The most you will pay, e.g. `50 UNIT`; paid in now.
    #[arg(long)]
    pub budget: String,
    /// How long proposals are taken, e.g. 2d.
    #[arg(long, default_value = "3d")]
    pub proposal_window: String,
    /// The longest delivery window a proposal may ask for.
    #[arg(long, default_value = "7d")]
    pub delivery_window: String,
    /// Time you have after delivery to release or dispute.
    #[arg(long, default_value = "3d")]
    pub review_window: String,
    /// Time the arbiter has to rule once a dispute is opened.
    #[arg(long, default_value = "3d")]
    pub ruling_window: String,
    /// A registered arbiter you accept (repeat, 1 to 4); each proposal names one.
    #[arg(long = "arbiter", value_name = "ACCOUNT", required = true)]
    pub arbiters: Vec<String>,
    /// Let anyone award the best proposal once proposals closed (lowest price, then the
    /// higher weighted rating, then the earliest).
    #[arg(long)]
    pub auto_award: bool,
    #[command(flatten)]
    pub screening: ScreeningFlags,
}

#[derive(Debug, Clone, Args)]
pub struct RequestListCmd {
    /// Words of the title or description: each must start a word there.
    #[arg(long)]
    pub text: Option<String>,
    /// Lowest budget, e.g. `5 UNIT`.
    #[arg(long)]
    pub min_budget: Option<String>,
    /// Highest budget.
    #[arg(long)]
    pub max_budget: Option<String>,
    /// Only this poster's requests (keystore name, URI or address).
    #[arg(long)]
    pub poster: Option<String>,
    /// Minimum value-weighted rating of the poster (0-5).
    #[arg(long)]
    pub min_rating: Option<f64>,
    /// Only requests accepting this arbiter.
    #[arg(long)]
    pub arbiter: Option<String>,
    /// Include awarded, cancelled and closed requests.
    #[arg(long)]
    pub all: bool,
    /// Order: oldest (posted first), newest, budget (largest first) or deadline (proposals
    /// closing soonest first).
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(RequestSort::NAMES))]
    pub sort: Option<String>,
    /// The next page: the `next_cursor` the page before printed (with the same --sort).
    #[arg(long)]
    pub cursor: Option<String>,
    /// Most requests to show.
    #[arg(long, default_value_t = 20)]
    pub limit: u32,
}

#[derive(Debug, Clone, Args)]
pub struct ProposalSubmit {
    /// The request's id.
    pub request: u64,
    /// Your price, at most the budget, e.g. `40 UNIT`.
    #[arg(long)]
    pub price: String,
    /// Your delivery window, at most the request's [default: the request's].
    #[arg(long)]
    pub delivery_window: Option<String>,
    /// Be paid in steps: `AMOUNT:WINDOW`, repeated (at most 8), adding up to your price,
    /// e.g. `--milestone 20:2d --milestone 25:3d`; together the windows are your delivery
    /// window.
    #[arg(
        long = "milestone",
        value_name = "AMOUNT:WINDOW",
        conflicts_with = "delivery_window"
    )]
    pub milestones: Vec<String>,
    /// One of the request's arbiters [default: its first one that is not you].
    #[arg(long)]
    pub arbiter: Option<String>,
    /// Your message: a 0x-hex hash or any text (hashed).
    #[arg(long)]
    pub message: Option<String>,
}

pub async fn run_request(c: &mut Ctx, cmd: RequestCmd) -> OpResult<Report> {
    Ok(match cmd {
        RequestCmd::Create(r) => Report::Request(
            requests::create(
                c,
                CreateRequestArgs {
                    title: r.title,
                    description: r.description,
                    budget: r.budget,
                    proposal_window: r.proposal_window,
                    delivery_window: r.delivery_window,
                    review_window: r.review_window,
                    ruling_window: r.ruling_window,
                    arbiters: r.arbiters,
                    screening: r.screening.args(),
                    auto_award: r.auto_award,
                },
            )
            .await?,
        ),
        RequestCmd::List(l) => Report::Requests(
            stored_requests::list(
                c,
                RequestFilter {
                    text: l.text,
                    min_budget: l.min_budget,
                    max_budget: l.max_budget,
                    poster: l.poster,
                    min_rating: l.min_rating,
                    arbiter: l.arbiter,
                    include_ended: l.all,
                    sort: l.sort,
                    cursor: l.cursor,
                    limit: l.limit,
                },
            )
            .await?,
        ),
        RequestCmd::Show { request } => {
            Report::RequestDetails(stored_requests::show(c, request).await?)
        }
        RequestCmd::Cancel { request } => Report::Request(requests::cancel(c, request).await?),
        RequestCmd::Close { request } => Report::Request(requests::close(c, request).await?),
        RequestCmd::Award { request, proposal } => {
            Report::Request(requests::award(c, request, proposal).await?)
        }
        RequestCmd::Remove { request } => {
            Report::RequestRemoved(requests::remove(c, request).await?)
        }
    })
}

pub async fn run_proposal(c: &mut Ctx, cmd: ProposalCmd) -> OpResult<Report> {
    Ok(match cmd {
        ProposalCmd::Submit(p) => Report::Proposal(
            requests::propose(
                c,
                ProposeArgs {
                    request_id: p.request,
                    price: p.price,
                    delivery_window: p.delivery_window,
                    milestones: p.milestones,
                    arbiter: p.arbiter,
                    message: p.message,
                },
            )
            .await?,
        ),
        ProposalCmd::List { request } => {
            Report::Proposals(stored_requests::proposals(c, request).await?)
        }
        ProposalCmd::Withdraw { request } => {
            Report::Proposal(requests::withdraw(c, request).await?)
        }
        ProposalCmd::Reject { request, index } => {
            Report::Proposal(requests::reject(c, request, index).await?)
        }
    })
}
