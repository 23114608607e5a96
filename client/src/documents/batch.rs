//! The one transaction that publishes a document and makes the call citing it.

use scale_value::{Composite, Value};

/// Where a document's bytes go: `System.remark_with_event`, which keeps them in the block
/// body (no storage) and emits `System.Remarked` with their blake2-256 hash.
pub const REMARK_PALLET: (&str, &str) = ("System", "remark_with_event");

/// `Utility.batch_all([System.remark_with_event(document), pallet.call(fields)])`: if the call
/// fails, the remark is undone with it, so no document is ever on record beside a call that
/// did not happen.
pub fn remark_then_call(
    document: &[u8],
    pallet: &str,
    call: &str,
    fields: Composite<()>,
) -> subxt::tx::DynamicPayload<Composite<()>> {
    let remark = Value::unnamed_variant(
        REMARK_PALLET.0,
        [Value::named_variant(
            REMARK_PALLET.1,
            [("remark", Value::from_bytes(document))],
        )],
    );
    let cited = Value::unnamed_variant(pallet, [Value::variant(call, fields)]);
    subxt::dynamic::tx(
        "Utility",
        "batch_all",
        Composite::named([("calls", Value::unnamed_composite([remark, cited]))]),
    )
}
