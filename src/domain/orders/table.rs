//! The state machine written out as a Markdown table, generated from [`super::machine`] so that
//! `docs/architecture.md` can never drift from the code (a test compares the two).

use super::machine::{OrderAction, OrderStatus, Party};

/// Who may make `action`, in words.
fn who(action: OrderAction) -> String {
    let parties = [
        (Party::Advertiser, "advertiser"),
        (Party::Influencer, "influencer"),
        (Party::Admin, "admin"),
        (Party::System, "system (deadline)"),
        (Party::Provider, "payment provider"),
    ];
    let names: Vec<&str> = parties.iter().filter(|(p, _)| action.permits(*p)).map(|(_, name)| *name).collect();
    names.join(", ")
}

/// One row per legal (status, action) pair, in declaration order:
/// `| from | action | who | to |`, where a move that depends on the order being paid names both outcomes.
pub fn markdown_table() -> String {
    let mut out = String::from("| from | action | who | to |\n|---|---|---|---|\n");
    for &from in OrderStatus::ALL {
        for &action in OrderAction::ALL {
            let (unpaid, paid) = (from.next(action, false).ok(), from.next(action, true).ok());
            let to = match (unpaid, paid) {
                (None, None) => continue,
                (Some(a), Some(b)) if a == b => a.as_str().to_owned(),
                (Some(a), Some(b)) => format!("{} (paid) / {} (unpaid)", b.as_str(), a.as_str()),
                (None, Some(b)) => format!("{} (paid only)", b.as_str()),
                (Some(a), None) => format!("{} (unpaid only)", a.as_str()),
            };
            out.push_str(&format!("| {} | {} | {} | {} |\n", from.as_str(), action.as_str(), who(action), to));
        }
    }
    out
}
