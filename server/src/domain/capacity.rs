//! Capacity blocks: what a valid block is. Reservations have their own module,
//! [`super::reservations`].

use cdmx_sdk::types::{CapabilityProfile, CapacityBlockChange, NewCapacityBlock, PriceBand};

use super::{Violations, input};

/// A block that passed validation, with the country of its site.
#[derive(Debug, Clone)]
pub struct ValidBlock {
    pub block: NewCapacityBlock,
    pub country: String,
}

fn unique<T: PartialEq + Copy>(v: &mut Violations, field: &str, items: &[T]) {
    if items.is_empty() {
        v.add(field, "list at least one");
    }
    for (i, item) in items.iter().enumerate() {
        if items[..i].contains(item) {
            v.add(format!("{field}[{i}]"), "is listed twice");
        }
    }
}

impl ValidBlock {
    /// Validates a block against the CDMO's profile (its site must exist there).
    pub fn parse(
        mut block: NewCapacityBlock,
        profile: &CapabilityProfile,
    ) -> Result<Self, Violations> {
        let mut v = Violations::new();
        block.site_key = block.site_key.trim().to_owned();
        let country = profile
            .sites
            .iter()
            .find(|s| s.key == block.site_key)
            .map(|s| s.country.clone());
        if country.is_none() {
            let keys: Vec<&str> = profile.sites.iter().map(|s| s.key.as_str()).collect();
            v.add(
                "site_key",
                format!(
                    "no site `{}` in the profile; sites: {}",
                    block.site_key,
                    keys.join(", ")
                ),
            );
        }
        match input::parse_name(&block.suite, 100) {
            Ok(suite) => block.suite = suite,
            Err(message) => v.add("suite", message),
        }
        unique(&mut v, "donor_sources", &block.donor_sources);
        unique(&mut v, "modalities", &block.modalities);
        input::check_date(&mut v, "period_start", block.period_start);
        input::check_date(&mut v, "period_end", block.period_end);
        if block.period_end < block.period_start {
            v.add("period_end", "must not be before period_start");
        }
        if block.period_end - block.period_start > chrono::Duration::days(3 * 366) {
            v.add("period_end", "a block spans at most three years");
        }
        check_terms(
            &mut v,
            Some(block.slots),
            Some(block.lead_time_days),
            block.price_band,
        );
        v.into_result(|| {
            Some(Self {
                country: country?,
                block,
            })
        })
    }
}

/// The highest price per slot a band may state, USD: a sane ceiling that also keeps the
/// value within the signed 64-bit column it is stored in.
pub const PRICE_MAX_USD: u64 = 1_000_000_000;

/// The terms a block is published or changed with: slots, lead time, price band.
fn check_terms(
    v: &mut Violations,
    slots: Option<u32>,
    lead_time_days: Option<u32>,
    price_band: Option<PriceBand>,
) {
    if slots.is_some_and(|s| !(1..=10_000).contains(&s)) {
        v.add("slots", "must be between 1 and 10000");
    }
    if lead_time_days.is_some_and(|d| d > 730) {
        v.add("lead_time_days", "must be at most 730");
    }
    if let Some(band) = price_band {
        for (field, usd) in [
            ("price_band.min_usd", band.min_usd),
            ("price_band.max_usd", band.max_usd),
        ] {
            if usd > PRICE_MAX_USD {
                v.add(field, format!("must be at most {PRICE_MAX_USD}"));
            }
        }
    }
    if price_band.is_some_and(|band| band.min_usd > band.max_usd) {
        v.add("price_band.max_usd", "must not be below min_usd");
    }
}

/// A change of a block's terms that passed the same validation as a new block.
#[derive(Debug, Clone)]
pub struct ValidBlockChange(pub CapacityBlockChange);

impl ValidBlockChange {
    pub fn parse(change: CapacityBlockChange) -> Result<Self, Violations> {
        let mut v = Violations::new();
        check_terms(
            &mut v,
            change.slots,
            change.lead_time_days,
            change.price_band,
        );
        v.into_result(|| Some(Self(change)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::profiles::tests::sample;
    use cdmx_sdk::types::*;
    use chrono::NaiveDate;

    fn block() -> NewCapacityBlock {
        NewCapacityBlock {
            site_key: "lyon-1".into(),
            suite: "Suite 3".into(),
            slot_kind: SlotKind::ClinicalGmpBatch,
            donor_sources: vec![DonorSource::Autologous],
            modalities: vec![Modality::CarT],
            period_start: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
            period_end: NaiveDate::from_ymd_opt(2027, 3, 31).unwrap(),
            slots: 6,
            lead_time_days: 30,
            price_band: None,
        }
    }

    #[test]
    fn blocks_take_their_country_from_the_profile_site() {
        assert_eq!(ValidBlock::parse(block(), &sample()).unwrap().country, "FR");
    }

    #[test]
    fn each_bad_field_is_named() {
        let mut b = block();
        b.site_key = "boston".into();
        b.donor_sources.clear();
        b.period_end = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        b.slots = 0;
        b.price_band = Some(PriceBand {
            min_usd: 10,
            max_usd: 5,
        });
        let fields: Vec<String> = ValidBlock::parse(b, &sample())
            .unwrap_err()
            .into_iter()
            .map(|v| v.field)
            .collect();
        assert_eq!(
            fields,
            [
                "site_key",
                "donor_sources",
                "period_end",
                "slots",
                "price_band.max_usd"
            ]
        );
    }
}
