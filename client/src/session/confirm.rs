//! Asking before a write is sent off a Development chain. The library knows no terminal: the
//! caller hands it a [`Confirmer`] (the CLI's asks on the terminal), and the write that asked
//! then sends the very call it showed, or nothing.

use std::sync::Arc;

use super::dry_run::DryRunReport;

/// Says yes or no to one write, shown as its dry-run report, on a chain of the given type
/// (`Live`, `Local`). Called while the write waits, before anything is sent.
pub type AskFn = dyn Fn(&DryRunReport, &str) -> bool + Send + Sync;

/// The caller's way of asking the user. Cloned with the settings into shared sessions.
#[derive(Clone)]
pub struct Confirmer(Arc<AskFn>);

impl Confirmer {
    pub fn new(ask: impl Fn(&DryRunReport, &str) -> bool + Send + Sync + 'static) -> Confirmer {
        Confirmer(Arc::new(ask))
    }

    pub fn ask(&self, report: &DryRunReport, chain_type: &str) -> bool {
        (self.0)(report, chain_type)
    }
}

impl std::fmt::Debug for Confirmer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Confirmer")
    }
}

/// What the chain would now do with a call the user confirmed, set against what was shown.
/// `None`: the same, so the call can go. `Some(why)`: it no longer holds.
pub fn changed_since_shown(
    shown_result: &serde_json::Value,
    now_result: &serde_json::Value,
    deposit_limit: u128,
    deposit_now: u128,
) -> Option<String> {
    if now_result != shown_result {
        return Some(format!(
            "its result would now be {now_result}, not the {shown_result} shown"
        ));
    }
    if deposit_now > deposit_limit {
        return Some(format!(
            "it would now need a storage deposit of {deposit_now} plancks, above the \
             {deposit_limit} shown"
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_call_whose_result_and_deposit_hold_goes_as_confirmed() {
        assert_eq!(changed_since_shown(&json!(7), &json!(7), 100, 100), None);
        assert_eq!(changed_since_shown(&json!(7), &json!(7), 100, 0), None);
    }

    #[test]
    fn a_call_whose_result_changed_is_not_sent_as_confirmed() {
        let why = changed_since_shown(&json!(7), &json!(8), 100, 100).unwrap();
        assert!(why.contains("8") && why.contains("7"), "{why}");
    }

    #[test]
    fn a_call_that_would_now_take_a_larger_deposit_is_not_sent_as_confirmed() {
        let why = changed_since_shown(&json!(null), &json!(null), 100, 101).unwrap();
        assert!(why.contains("101"), "{why}");
    }
}
