//! `escrow request create|cancel|close|award|remove` and
//! `escrow proposal submit|withdraw|reject`: task requests, written to the requests contract
//! (each checked against its state there first). Lists and pages read the event store:
//! [`super::stored_requests`].

use serde::Serialize;

use super::input::{check_text, parse_price, window};
use super::screening::{self, ScreeningArgs};
use super::{usage, Ctx, OpResult, TxReport};
use crate::api::requests::ProposalOffer;
use crate::api::{Escrow, Requests};
use crate::documents::Citation;
use crate::types::{Deal, MinWindows, Proposal, Request, RequestState, RequestTerms};
use crate::units::format_duration_ms;

/// Most arbiters a request accepts (the contract's `MAX_ARBITERS`).
pub const MAX_ARBITERS: usize = 4;

/// `request create` input, as typed by the user.
#[derive(Debug, Clone, Default)]
pub struct CreateRequestArgs {
    pub title: String,
    pub description: String,
    pub budget: String,
    pub proposal_window: String,
    pub delivery_window: String,
    pub review_window: String,
    pub ruling_window: String,
    /// Registered arbiters the poster accepts (1 to 4).
    pub arbiters: Vec<String>,
    pub screening: ScreeningArgs,
    pub auto_award: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct RequestResult {
    pub request: Request,
    /// The deal an award opened.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deal: Option<Deal>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tx: Option<TxReport>,
}

/// `request remove`: the ended request as it was before its poster removed it.
#[derive(Debug, Clone, Serialize)]
pub struct RemovedRequest {
    pub removed: Request,
    pub tx: TxReport,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProposalResult {
    pub request_id: u64,
    /// `None`: no proposal was withdrawn; the place the worker kept on an ended request (and
    /// its deposit) was freed.
    pub index: Option<u32>,
    /// `None` once withdrawn; a rejected proposal, still its worker's to remove.
    pub proposal: Option<Proposal>,
    /// Whether the poster rejected it (`proposal reject`).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub rejected: bool,
    pub tx: TxReport,
}

/// Checks the terms as the contract will, before any fee is spent.
pub fn build_terms(ctx: &Ctx, a: &CreateRequestArgs) -> OpResult<RequestTerms> {
    check_text(&a.title, &a.description)?;
    let budget = ctx
        .units()
        .parse(&a.budget)
        .map_err(|e| usage(format!("invalid budget: {e}")))?;
    if budget == 0 {
        return Err(usage("the budget must be above zero"));
    }
    if a.arbiters.is_empty() || a.arbiters.len() > MAX_ARBITERS {
        return Err(usage(format!(
            "name 1 to {MAX_ARBITERS} registered arbiters with --arbiter (got {})",
            a.arbiters.len()
        )));
    }
    let arbiters = a
        .arbiters
        .iter()
        .map(|s| Ok(ctx.account(s)?.0.into()))
        .collect::<OpResult<Vec<_>>>()?;
    Ok(RequestTerms {
        title: a.title.clone(),
        description: a.description.clone(),
        budget,
        proposal_window: window("proposal window", &a.proposal_window)?,
        delivery_window: window("delivery window", &a.delivery_window)?,
        review_window: window("review window", &a.review_window)?,
        ruling_window: window("ruling window", &a.ruling_window)?,
        arbiters,
        screening: screening::build(ctx, &a.screening)?,
        auto_award: a.auto_award,
    })
}

pub async fn get_request(ctx: &mut Ctx, id: u64) -> OpResult<Request> {
    Requests::new(ctx)
        .request(id)
        .await?
        .ok_or_else(|| usage(format!("unknown request {id}")))
}

/// The deal `request` led to, if it was awarded.
async fn deal_of(ctx: &mut Ctx, request: &Request) -> OpResult<Option<Deal>> {
    match request.deal_id {
        Some(id) => Escrow::new(ctx).deal(id).await,
        None => Ok(None),
    }
}

/// Refuses a request whose delivery, review or ruling window is below the escrow's minimum,
/// naming the window and the minimum: the requests contract refuses it too (it keeps the
/// escrow's minimums), and the escrow would refuse every award.
pub fn check_min_windows(terms: &RequestTerms, min: &MinWindows) -> OpResult<()> {
    for (name, window, min) in [
        ("delivery window", terms.delivery_window, min.delivery),
        ("review window", terms.review_window, min.review),
        ("ruling window", terms.ruling_window, min.ruling),
    ] {
        if window < min {
            return Err(usage(format!(
                "the {name} {} is below this escrow's minimum of {}",
                format_duration_ms(window),
                format_duration_ms(min)
            )));
        }
    }
    Ok(())
}

/// `request create`: posts the request, paying its budget in. Windows below the escrow's
/// minimums are refused before anything is sent.
pub async fn create(ctx: &mut Ctx, args: CreateRequestArgs) -> OpResult<RequestResult> {
    let signer = ctx.signer(None)?;
    let (description, details) = super::input::fit_description(&args.description)?;
    let args = CreateRequestArgs {
        description,
        ..args
    };
    let terms = build_terms(ctx, &args)?;
    if terms.arbiters.contains(&signer.public_key().into()) {
        return Err(usage("the poster cannot be one of the request's arbiters"));
    }
    let settings = Escrow::new(ctx).config().await?.settings;
    check_min_windows(&terms, &MinWindows::of(&settings))?;
    let (id, tx) = Requests::new(ctx)
        .post_request(&signer, &terms, details.as_ref())
        .await?;
    Ok(RequestResult {
        request: get_request(ctx, id).await?,
        deal: None,
        tx: Some(tx),
    })
}

/// `request cancel`: the poster takes the budget back.
pub async fn cancel(ctx: &mut Ctx, id: u64) -> OpResult<RequestResult> {
    let signer = ctx.signer(None)?;
    get_request(ctx, id).await?;
    let tx = Requests::new(ctx).cancel_request(&signer, id).await?;
    after(ctx, id, tx).await
}

/// `request close`: anyone, after the award deadline of an unawarded request.
pub async fn close(ctx: &mut Ctx, id: u64) -> OpResult<RequestResult> {
    let signer = ctx.signer(None)?;
    get_request(ctx, id).await?;
    let tx = Requests::new(ctx).close_request(&signer, id).await?;
    after(ctx, id, tx).await
}

/// `request award`: the poster awards proposal `index`; without one, anyone triggers the
/// auto-award of a request that allows it.
pub async fn award(ctx: &mut Ctx, id: u64, index: Option<u32>) -> OpResult<RequestResult> {
    let signer = ctx.signer(None)?;
    get_request(ctx, id).await?;
    let mut api = Requests::new(ctx);
    let (_, tx) = match index {
        Some(index) => api.award(&signer, id, index).await?,
        None => api.auto_award(&signer, id).await?,
    };
    after(ctx, id, tx).await
}

/// `request remove`: the poster removes its awarded, cancelled or closed request, and gets its
/// storage deposit back.
pub async fn remove(ctx: &mut Ctx, id: u64) -> OpResult<RemovedRequest> {
    let signer = ctx.signer(None)?;
    let removed = get_request(ctx, id).await?;
    if removed.state == RequestState::Open {
        return Err(usage(format!(
            "request {id} is still open: cancel it, award it, or close it after its award \
             deadline, then remove it"
        )));
    }
    let tx = Requests::new(ctx).remove_request(&signer, id).await?;
    Ok(RemovedRequest { removed, tx })
}

async fn after(ctx: &mut Ctx, id: u64, tx: TxReport) -> OpResult<RequestResult> {
    let request = get_request(ctx, id).await?;
    Ok(RequestResult {
        deal: deal_of(ctx, &request).await?,
        request,
        tx: Some(tx),
    })
}

/// `proposal submit` input, as typed.
#[derive(Debug, Clone, Default)]
pub struct ProposeArgs {
    pub request_id: u64,
    pub price: String,
    /// Default: the request's delivery window, or the milestones' total.
    pub delivery_window: Option<String>,
    /// `AMOUNT:WINDOW`, adding up to the price.
    pub milestones: Vec<String>,
    /// Default: the request's first arbiter that is not the worker.
    pub arbiter: Option<String>,
    /// The pitch, published on chain with the proposal (at most 4 KiB); or the 0x-hash of a
    /// document kept elsewhere.
    pub message: Option<String>,
}

/// `proposal submit`.
pub async fn propose(ctx: &mut Ctx, a: ProposeArgs) -> OpResult<ProposalResult> {
    let signer = ctx.signer(None)?;
    let price = parse_price(ctx.units(), &a.price)?;
    if price == 0 {
        return Err(usage("the price must be above zero"));
    }
    let pitch = a
        .message
        .as_deref()
        .map(|m| Citation::parse(m, &[]))
        .transpose()
        .map_err(|e| usage(e.to_string()))?;
    let arbiter = a.arbiter.as_deref().map(|s| ctx.account(s)).transpose()?;
    let delivery = a
        .delivery_window
        .as_deref()
        .map(|w| window("delivery window", w))
        .transpose()?;
    let request = get_request(ctx, a.request_id).await?;
    let worker = signer.public_key();
    let arbiter = match arbiter {
        Some(a) => a.0,
        None => request
            .terms
            .arbiters
            .iter()
            .map(|a| a.id())
            .find(|a| *a != worker)
            .ok_or_else(|| usage("the request accepts no arbiter but you: pass --arbiter"))?,
    };
    let (milestones, plan_window) =
        super::milestones::parse_plan(ctx.units(), &a.milestones, price, "the price")?;
    let delivery = plan_window
        .or(delivery)
        .unwrap_or(request.terms.delivery_window);
    // The registry's fee, the only one `propose` takes; the escrow refuses the award if the
    // arbiter raises it before then. An unregistered or retired arbiter is the contract's to
    // refuse (`ArbiterNotRegistered`, after the request's own rules).
    let arbiter_fee_bps = Escrow::new(ctx)
        .arbiter(&arbiter)
        .await?
        .map_or(0, |a| a.fee_bps);
    let offer = ProposalOffer {
        price,
        delivery_window: delivery,
        milestones,
        arbiter,
        arbiter_fee_bps,
        message: pitch.as_ref().map_or([0; 32], Citation::hash),
        pitch: pitch.as_ref().and_then(Citation::document).cloned(),
    };
    let (index, tx) = Requests::new(ctx)
        .propose(&signer, a.request_id, &offer)
        .await?;
    Ok(ProposalResult {
        request_id: a.request_id,
        index: Some(index),
        proposal: Requests::new(ctx).proposal(a.request_id, index).await?,
        rejected: false,
        tx,
    })
}

/// `proposal reject`: the poster rejects competing proposal `index` of its open request. It
/// stops competing and its slot is free; its worker removes it (`proposal withdraw`) and gets
/// the deposit back.
pub async fn reject(ctx: &mut Ctx, request_id: u64, index: u32) -> OpResult<ProposalResult> {
    let signer = ctx.signer(None)?;
    let request = get_request(ctx, request_id).await?;
    if !request.competing.contains(&index) {
        return Err(usage(format!(
            "proposal {index} does not compete on request {request_id} (withdrawn, rejected or \
             never made): see `escrow proposal list {request_id}`"
        )));
    }
    let tx = Requests::new(ctx)
        .reject_proposal(&signer, request_id, index)
        .await?;
    Ok(ProposalResult {
        request_id,
        index: Some(index),
        proposal: Requests::new(ctx).proposal(request_id, index).await?,
        rejected: true,
        tx,
    })
}

/// The index of `worker`'s proposal on `request` that no longer competes but is still stored
/// (rejected by the poster), if any: one read per index that left the competing list.
async fn rejected_of(
    ctx: &mut Ctx,
    request: &Request,
    worker: &crate::types::AccountBytes,
) -> OpResult<Option<u32>> {
    for index in (0..request.proposal_count).filter(|i| !request.competing.contains(i)) {
        let proposal = Requests::new(ctx).proposal(request.id, index).await?;
        if proposal.is_some_and(|p| p.worker == *worker) {
            return Ok(Some(index));
        }
    }
    Ok(None)
}

/// `proposal withdraw`: the signer's competing or rejected proposal on `request_id`, whose
/// deposit comes back. A proposal withdrawn or rejected while the request was open keeps the
/// worker's place (one proposal per worker); once the request has ended (or its poster removed
/// it), the same command frees that place and its deposit.
pub async fn withdraw(ctx: &mut Ctx, request_id: u64) -> OpResult<ProposalResult> {
    let signer = ctx.signer(None)?;
    let worker = signer.public_key();
    // A removed request ended: only the contract knows whether a place is left to free.
    let request = Requests::new(ctx).request(request_id).await?;
    let mut mine = Requests::new(ctx)
        .proposals(request_id)
        .await?
        .into_iter()
        .find(|p| p.proposal.worker == worker)
        .map(|p| p.index);
    if let (None, Some(request)) = (mine, &request) {
        mine = rejected_of(ctx, request, &worker).await?;
    }
    let open = request
        .as_ref()
        .is_some_and(|r| r.state == RequestState::Open);
    if mine.is_none() && open {
        return Err(usage(format!(
            "you have no live proposal on request {request_id} (one withdrawn keeps your \
             place until the request ends)"
        )));
    }
    // On an ended request without a live proposal, the contract says whether there is a
    // place to free (`ProposalNotFound` when not).
    let tx = Requests::new(ctx)
        .withdraw_proposal(&signer, request_id)
        .await?;
    Ok(ProposalResult {
        request_id,
        index: mine,
        proposal: None,
        rejected: false,
        tx,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::OpError;
    use crate::types::Screening;

    const HOUR: u64 = 3_600_000;
    const DAY: u64 = 24 * HOUR;

    fn terms(delivery_window: u64, review_window: u64, ruling_window: u64) -> RequestTerms {
        RequestTerms {
            title: "t".into(),
            description: String::new(),
            budget: 1,
            proposal_window: DAY,
            delivery_window,
            review_window,
            ruling_window,
            arbiters: Vec::new(),
            screening: Screening::default(),
            auto_award: false,
        }
    }

    #[test]
    fn a_window_below_the_escrows_minimum_is_refused_naming_it_and_the_minimum() {
        let settings = MinWindows {
            delivery: HOUR,
            review: DAY,
            ruling: DAY,
        };
        assert!(check_min_windows(&terms(HOUR, DAY, DAY), &settings).is_ok());
        for (t, line) in [
            (
                terms(HOUR, HOUR, DAY),
                "the review window 1h is below this escrow's minimum of 1d",
            ),
            (
                terms(HOUR, DAY, DAY - 1),
                "the ruling window 23h59m59s999ms is below this escrow's minimum of 1d",
            ),
            (
                terms(HOUR / 2, DAY, DAY),
                "the delivery window 30m is below this escrow's minimum of 1h",
            ),
        ] {
            match check_min_windows(&t, &settings) {
                Err(OpError::Usage(msg)) => assert_eq!(msg, line),
                other => panic!("{other:?}"),
            }
        }
    }
}
