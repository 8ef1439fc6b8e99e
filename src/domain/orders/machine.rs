//! The order state machine: the one table of legal moves, and who may make each move.
//!
//! Every transition of an order goes through [`OrderStatus::next`] and [`OrderAction::permits`];
//! nothing else in the code base decides whether a status may change.

use crate::domain::error::{DomainError, DomainResult};
use crate::domain::str_enum::str_enum;

str_enum! {
    /// Where an order stands.
    OrderStatus {
        /// Placed, waiting for the influencer's answer.
        Pending = "PENDING",
        /// Accepted by the influencer, waiting for the advertiser's payment.
        PaymentRequired = "PAYMENT_REQUIRED",
        /// Paid; the influencer may start.
        PaymentReceived = "PAYMENT_RECEIVED",
        /// Work in progress.
        Processing = "PROCESSING",
        /// Delivered with proof; waiting for the advertiser's verification.
        Completed = "COMPLETED",
        /// Delivery verified (by the advertiser, by the review window, or by an admin).
        Verified = "VERIFIED",
        /// The advertiser disputes the delivery.
        Disputed = "DISPUTED",
        /// Frozen for an admin's decision.
        OnHold = "ON_HOLD",
        /// The influencer declined.
        Declined = "DECLINED",
        /// Nobody answered within the answer window.
        Expired = "EXPIRED",
        /// Cancelled by a party (before payment) or by an admin's refund before payment.
        Cancelled = "CANCELLED",
        /// Refunded by an admin after payment.
        Refunded = "REFUNDED",
    }
}

str_enum! {
    /// A move of the state machine.
    OrderAction {
        /// The influencer accepts and asks for payment.
        Accept = "ACCEPT",
        /// The influencer declines (reason).
        Decline = "DECLINE",
        /// The answer window passed (system).
        Expire = "EXPIRE",
        /// Either party cancels before payment (reason).
        Cancel = "CANCEL",
        /// The advertiser starts a payment; the status moves when the provider confirms it.
        Pay = "PAY",
        /// The payment provider confirmed the payment.
        ConfirmPayment = "CONFIRM_PAYMENT",
        /// The influencer starts the work.
        StartWork = "START_WORK",
        /// The influencer delivers, with proof.
        Complete = "COMPLETE",
        /// The advertiser (or the review window) accepts the delivery.
        Verify = "VERIFY",
        /// The advertiser disputes the delivery (reason).
        Dispute = "DISPUTE",
        /// The influencer reworks a disputed delivery.
        Rework = "REWORK",
        /// Either party asks an admin to decide a dispute.
        Escalate = "ESCALATE",
        /// An admin freezes an active order (reason).
        Hold = "HOLD",
        /// An admin releases a held, paid order to the influencer: verified.
        Release = "RELEASE",
        /// An admin refunds a held order: refunded after payment, cancelled before.
        Refund = "REFUND",
    }
}

/// Who makes a move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Party {
    /// The order's advertiser.
    Advertiser,
    /// The order's influencer.
    Influencer,
    /// A marketplace administrator.
    Admin,
    /// The server itself (deadlines).
    System,
    /// The payment provider (sandbox confirmation or a signed webhook).
    Provider,
}

impl OrderStatus {
    /// Every legal move of an order; any pair not listed is refused with `INVALID_TRANSITION`.
    /// `paid` says whether the order's payment was received (it decides where a refund goes).
    pub fn next(self, action: OrderAction, paid: bool) -> DomainResult<Self> {
        use {OrderAction as A, OrderStatus as S};
        match (self, action) {
            (S::Pending, A::Accept) => Ok(S::PaymentRequired),
            (S::Pending, A::Decline) => Ok(S::Declined),
            (S::Pending, A::Expire) => Ok(S::Expired),
            (S::Pending | S::PaymentRequired, A::Cancel) => Ok(S::Cancelled),
            (S::PaymentRequired, A::Pay) => Ok(S::PaymentRequired),
            (S::PaymentRequired, A::ConfirmPayment) => Ok(S::PaymentReceived),
            (S::PaymentReceived, A::StartWork) => Ok(S::Processing),
            (S::Processing, A::Complete) => Ok(S::Completed),
            (S::Completed, A::Verify) => Ok(S::Verified),
            (S::Completed, A::Dispute) => Ok(S::Disputed),
            (S::Disputed, A::Rework) => Ok(S::Processing),
            (S::Disputed, A::Escalate) => Ok(S::OnHold),
            (s, A::Hold) if s.is_active() => Ok(S::OnHold),
            (S::OnHold, A::Release) if paid => Ok(S::Verified),
            (S::OnHold, A::Refund) => Ok(if paid { S::Refunded } else { S::Cancelled }),
            (from, action) => Err(invalid(from, action)),
        }
    }

    /// Whether the order is still running (not final and not already on hold).
    pub fn is_active(self) -> bool {
        matches!(self, Self::Pending | Self::PaymentRequired | Self::PaymentReceived | Self::Processing | Self::Completed | Self::Disputed)
    }

    /// Whether nothing can happen to the order any more.
    pub fn is_final(self) -> bool {
        matches!(self, Self::Verified | Self::Declined | Self::Expired | Self::Cancelled | Self::Refunded)
    }
}

/// The `INVALID_TRANSITION` error for `action` on an order found in `from`.
pub fn invalid(from: OrderStatus, action: OrderAction) -> DomainError {
    DomainError::InvalidTransition { from: from.as_str().to_owned(), action: action.verb().to_owned() }
}

impl OrderAction {
    /// Whether `party` may make this move (the status is checked by [`OrderStatus::next`]).
    pub fn permits(self, party: Party) -> bool {
        use {OrderAction as A, Party as P};
        match self {
            A::Accept | A::Decline | A::StartWork | A::Complete | A::Rework => party == P::Influencer,
            A::Pay | A::Dispute => party == P::Advertiser,
            A::Verify => matches!(party, P::Advertiser | P::System),
            A::Cancel | A::Escalate => matches!(party, P::Advertiser | P::Influencer),
            A::Expire => party == P::System,
            A::ConfirmPayment => party == P::Provider,
            A::Hold | A::Release | A::Refund => party == P::Admin,
        }
    }

    /// Whether the actor must give a reason.
    pub fn requires_reason(self) -> bool {
        matches!(self, Self::Decline | Self::Cancel | Self::Dispute | Self::Hold)
    }

    /// The action in words, as error messages say it.
    pub fn verb(self) -> &'static str {
        match self {
            Self::Accept => "accept",
            Self::Decline => "decline",
            Self::Expire => "expire",
            Self::Cancel => "cancel",
            Self::Pay => "pay",
            Self::ConfirmPayment => "confirm the payment of",
            Self::StartWork => "start work on",
            Self::Complete => "complete",
            Self::Verify => "verify",
            Self::Dispute => "dispute",
            Self::Rework => "rework",
            Self::Escalate => "escalate",
            Self::Hold => "hold",
            Self::Release => "release",
            Self::Refund => "refund",
        }
    }

    /// Why `party` may not make this move, as a `FORBIDDEN` error.
    pub fn forbidden(self) -> DomainError {
        let who = match self {
            Self::Accept | Self::Decline | Self::StartWork | Self::Complete | Self::Rework => "the order's influencer",
            Self::Pay | Self::Dispute | Self::Verify => "the order's advertiser",
            Self::Cancel | Self::Escalate => "the order's advertiser or influencer",
            Self::Hold | Self::Release | Self::Refund => "an admin",
            Self::Expire | Self::ConfirmPayment => "the system",
        };
        DomainError::forbidden(format!("only {who} may {} this order", self.verb()))
    }
}

#[cfg(test)]
mod tests {
    use super::{OrderAction as A, OrderStatus as S, *};

    /// The table of docs/architecture.md, written out pair by pair: (from, action, paid) → to.
    const LEGAL: &[(S, A, bool, S)] = &[
        (S::Pending, A::Accept, false, S::PaymentRequired),
        (S::Pending, A::Decline, false, S::Declined),
        (S::Pending, A::Expire, false, S::Expired),
        (S::Pending, A::Cancel, false, S::Cancelled),
        (S::PaymentRequired, A::Cancel, false, S::Cancelled),
        (S::PaymentRequired, A::Pay, false, S::PaymentRequired),
        (S::PaymentRequired, A::ConfirmPayment, false, S::PaymentReceived),
        (S::PaymentReceived, A::StartWork, true, S::Processing),
        (S::Processing, A::Complete, true, S::Completed),
        (S::Completed, A::Verify, true, S::Verified),
        (S::Completed, A::Dispute, true, S::Disputed),
        (S::Disputed, A::Rework, true, S::Processing),
        (S::Disputed, A::Escalate, true, S::OnHold),
        (S::Pending, A::Hold, false, S::OnHold),
        (S::PaymentRequired, A::Hold, false, S::OnHold),
        (S::PaymentReceived, A::Hold, true, S::OnHold),
        (S::Processing, A::Hold, true, S::OnHold),
        (S::Completed, A::Hold, true, S::OnHold),
        (S::Disputed, A::Hold, true, S::OnHold),
        (S::OnHold, A::Release, true, S::Verified),
        (S::OnHold, A::Refund, true, S::Refunded),
        (S::OnHold, A::Refund, false, S::Cancelled),
    ];

    #[test]
    fn every_status_and_action_pair_follows_the_table() {
        for &from in S::ALL {
            for &action in A::ALL {
                for paid in [false, true] {
                    let expected =
                        LEGAL.iter().find(|(f, a, p, _)| *f == from && *a == action && (*p == paid || !depends_on_payment(action)));
                    match (from.next(action, paid), expected) {
                        (Ok(to), Some((.., want))) => assert_eq!(to, *want, "{from:?} {action:?} paid={paid}"),
                        (Err(DomainError::InvalidTransition { from: found, .. }), None) => assert_eq!(found, from.as_str()),
                        (got, want) => panic!("{from:?} {action:?} paid={paid}: got {got:?}, the table says {want:?}"),
                    }
                }
            }
        }
    }

    /// Only a hold's resolution looks at whether the order was paid.
    fn depends_on_payment(action: A) -> bool {
        matches!(action, A::Release | A::Refund)
    }

    #[test]
    fn final_statuses_allow_nothing() {
        for &from in S::ALL.iter().filter(|s| s.is_final()) {
            for &action in A::ALL {
                assert!(from.next(action, true).is_err() && from.next(action, false).is_err(), "{from:?} {action:?}");
            }
        }
    }

    #[test]
    fn each_action_belongs_to_its_side() {
        let parties = [Party::Advertiser, Party::Influencer, Party::Admin, Party::System, Party::Provider];
        let expected: &[(A, &[Party])] = &[
            (A::Accept, &[Party::Influencer]),
            (A::Decline, &[Party::Influencer]),
            (A::Expire, &[Party::System]),
            (A::Cancel, &[Party::Advertiser, Party::Influencer]),
            (A::Pay, &[Party::Advertiser]),
            (A::ConfirmPayment, &[Party::Provider]),
            (A::StartWork, &[Party::Influencer]),
            (A::Complete, &[Party::Influencer]),
            (A::Verify, &[Party::Advertiser, Party::System]),
            (A::Dispute, &[Party::Advertiser]),
            (A::Rework, &[Party::Influencer]),
            (A::Escalate, &[Party::Advertiser, Party::Influencer]),
            (A::Hold, &[Party::Admin]),
            (A::Release, &[Party::Admin]),
            (A::Refund, &[Party::Admin]),
        ];
        assert_eq!(expected.len(), A::ALL.len());
        for (action, allowed) in expected {
            for party in parties {
                assert_eq!(action.permits(party), allowed.contains(&party), "{action:?} by {party:?}");
            }
        }
    }

    #[test]
    fn reasons_are_required_where_the_table_says_so() {
        let with_reason: Vec<A> = A::ALL.iter().copied().filter(|a| a.requires_reason()).collect();
        assert_eq!(with_reason, vec![A::Decline, A::Cancel, A::Dispute, A::Hold]);
    }
}
