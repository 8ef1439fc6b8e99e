//! What the conversation and the drafts need to know of an order — its parties, its status and
//! its revision allowance — and which side of it the viewer is on.
//!
//! Every write of these areas re-checks its rule against the order row as it is *inside* the
//! write transaction (the row is locked first), through an [`OrderCheck`]: a status change that
//! commits between the service's first read and the write cannot slip past the rule.

use async_trait::async_trait;

use crate::domain::accounts::Role;
use crate::domain::error::{DomainError, DomainResult};
use crate::domain::{Id, Viewer};

/// The facts of one order that messages and drafts depend on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderAccess {
    /// The order.
    pub id: Id,
    /// Who booked it.
    pub advertiser_id: Id,
    /// Who sells it.
    pub influencer_id: Id,
    /// Its status, by its stored name (read through [`status`]).
    pub status: String,
    /// Revision rounds the ad space included when the order was placed.
    pub revisions_included: i32,
    /// Extra rounds the influencer granted since.
    pub revisions_extra: i32,
    /// Rounds used by `REQUEST_CHANGES` reviews.
    pub revisions_used: i32,
}

/// The viewer's relation to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    /// The order's advertiser.
    Advertiser,
    /// The order's influencer.
    Influencer,
    /// An administrator (not a party, but may read everything).
    Admin,
}

impl OrderAccess {
    /// The viewer's id and side; `UNAUTHENTICATED` when anonymous, `NOT_FOUND` for anyone who
    /// may not know the order exists.
    pub fn party(&self, viewer: &Viewer) -> DomainResult<(Id, Party)> {
        let (id, role) = viewer.require()?;
        if id == self.advertiser_id {
            Ok((id, Party::Advertiser))
        } else if id == self.influencer_id {
            Ok((id, Party::Influencer))
        } else if role == Role::Admin {
            Ok((id, Party::Admin))
        } else {
            Err(DomainError::NotFound("order"))
        }
    }

    /// Revision rounds the advertiser may use in all: included plus granted.
    pub fn revisions_allowed(&self) -> i32 {
        self.revisions_included + self.revisions_extra
    }
}

/// The one place that reads order status names. Switch these to the orders area's
/// `OrderStatus` enum once it exists.
pub mod status {
    /// Statuses in which the influencer may submit drafts and the advertiser review them:
    /// ideas before payment, content during the work.
    pub const DRAFTS_OPEN: [&str; 4] = ["PENDING", "PAYMENT_REQUIRED", "PAYMENT_RECEIVED", "PROCESSING"];

    /// Whether drafts may be submitted and reviewed in `status`.
    pub fn accepts_drafts(status: &str) -> bool {
        DRAFTS_OPEN.contains(&status)
    }

    /// Whether the order is on hold (the only status in which an admin may post).
    pub fn is_on_hold(status: &str) -> bool {
        status == "ON_HOLD"
    }
}

/// A rule checked against the locked order row inside a write transaction.
pub type OrderCheck<'a> = &'a (dyn Fn(&OrderAccess) -> DomainResult<()> + Send + Sync);

/// Reads the facts of an order.
#[async_trait]
pub trait OrderAccessRepo: Send + Sync {
    /// The order's facts, `None` when it does not exist.
    async fn order_access(&self, order_id: Id) -> DomainResult<Option<OrderAccess>>;
}

/// Loads an order's facts and the viewer's side of it (`NOT_FOUND` when missing or hidden).
pub async fn load(repo: &dyn OrderAccessRepo, viewer: &Viewer, order_id: Id) -> DomainResult<(OrderAccess, Id, Party)> {
    viewer.require()?;
    let order = repo.order_access(order_id).await?.ok_or(DomainError::NotFound("order"))?;
    let (user, party) = order.party(viewer)?;
    Ok((order, user, party))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order() -> OrderAccess {
        OrderAccess {
            id: 1,
            advertiser_id: 10,
            influencer_id: 20,
            status: "PENDING".into(),
            revisions_included: 2,
            revisions_extra: 1,
            revisions_used: 0,
        }
    }

    fn user(id: Id, role: Role) -> Viewer {
        Viewer::User { id, role, session_id: 1 }
    }

    #[test]
    fn parties_admins_and_strangers_are_told_apart() {
        let o = order();
        assert_eq!(o.party(&user(10, Role::Advertiser)).unwrap(), (10, Party::Advertiser));
        assert_eq!(o.party(&user(20, Role::Influencer)).unwrap(), (20, Party::Influencer));
        assert_eq!(o.party(&user(99, Role::Admin)).unwrap(), (99, Party::Admin));
        assert!(matches!(o.party(&user(30, Role::Advertiser)), Err(DomainError::NotFound(_))));
        assert!(matches!(o.party(&Viewer::Anonymous), Err(DomainError::Unauthenticated)));
        assert_eq!(o.revisions_allowed(), 3);
    }

    #[test]
    fn drafts_are_open_before_payment_and_during_the_work_only() {
        for s in ["PENDING", "PAYMENT_REQUIRED", "PAYMENT_RECEIVED", "PROCESSING"] {
            assert!(status::accepts_drafts(s), "{s}");
        }
        for s in ["COMPLETED", "VERIFIED", "CANCELLED", "DECLINED", "EXPIRED", "DISPUTED", "ON_HOLD", "REFUNDED"] {
            assert!(!status::accepts_drafts(s), "{s}");
        }
    }
}
