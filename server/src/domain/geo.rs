//! Countries (ISO 3166-1 alpha-2) and the world regions sponsors filter by, and
//! great-circle distances between sites.

use cdmx_sdk::types::Region;

/// Every assigned ISO 3166-1 alpha-2 code, by region.
const COUNTRIES_BY_REGION: &[(Region, &str)] = &[
    (
        Region::Europe,
        "AD AL AT AX BA BE BG BY CH CY CZ DE DK EE ES FI FO FR GB GG GI GR HR HU IE IM IS IT \
         JE LI LT LU LV MC MD ME MK MT NL NO PL PT RO RS RU SE SI SJ SK SM UA VA",
    ),
    (Region::NorthAmerica, "US CA BM GL PM UM"),
    (
        Region::LatinAmerica,
        "AG AI AR AW BB BL BO BQ BR BS BZ CL CO CR CU CW DM DO EC FK GD GF GP GS GT GY HN HT \
         JM KN KY LC MF MQ MS MX NI PA PE PR PY SR SV SX TC TT UY VC VE VG VI",
    ),
    (
        Region::AsiaPacific,
        "AF AQ AS AU BD BN BT CC CK CN CX FJ FM GU HK HM ID IN IO JP KG KH KI KP KR KZ LA LK \
         MH MM MN MO MP MV MY NC NF NP NR NU NZ PF PG PH PK PN PW SB SG TF TH TJ TK TL TM TO \
         TV TW UZ VN VU WF WS",
    ),
    (
        Region::MiddleEast,
        "AE AM AZ BH GE IL IQ IR JO KW LB OM PS QA SA SY TR YE",
    ),
    (
        Region::Africa,
        "AO BF BI BJ BV BW CD CF CG CI CM CV DJ DZ EG EH ER ET GA GH GM GN GQ GW KE KM LR LS \
         LY MA MG ML MR MU MW MZ NA NE NG RE RW SC SD SH SL SN SO SS ST SZ TD TG TN TZ UG YT \
         ZA ZM ZW",
    ),
];

/// The region of an ISO 3166-1 alpha-2 code (upper case), or `None` if it is not one.
pub fn region_of(country: &str) -> Option<Region> {
    if country.len() != 2 {
        return None;
    }
    COUNTRIES_BY_REGION
        .iter()
        .find(|(_, codes)| codes.split_whitespace().any(|c| c == country))
        .map(|(region, _)| *region)
}

/// Whether `country` is an assigned ISO 3166-1 alpha-2 code (upper case).
pub fn is_country(country: &str) -> bool {
    region_of(country).is_some()
}

/// Great-circle distance in kilometres (haversine, mean Earth radius).
pub fn distance_km(from: (f64, f64), to: (f64, f64)) -> f64 {
    const EARTH_RADIUS_KM: f64 = 6371.0088;
    let (lat1, lon1) = (from.0.to_radians(), from.1.to_radians());
    let (lat2, lon2) = (to.0.to_radians(), to.1.to_radians());
    let a = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_KM * a.sqrt().asin()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_holds_each_of_the_249_codes_once() {
        let mut codes: Vec<&str> = COUNTRIES_BY_REGION
            .iter()
            .flat_map(|(_, c)| c.split_whitespace())
            .collect();
        let listed = codes.len();
        codes.sort_unstable();
        codes.dedup();
        assert_eq!(codes.len(), listed, "a code is listed twice");
        assert_eq!(listed, 249);
    }

    #[test]
    fn regions_and_validation() {
        assert_eq!(region_of("FR"), Some(Region::Europe));
        assert_eq!(region_of("US"), Some(Region::NorthAmerica));
        assert_eq!(region_of("JP"), Some(Region::AsiaPacific));
        assert_eq!(region_of("BR"), Some(Region::LatinAmerica));
        assert!(!is_country("fr") && !is_country("XX") && !is_country("FRA"));
    }

    #[test]
    fn distances_are_plausible() {
        let paris = (48.8566, 2.3522);
        let lyon = (45.764, 4.8357);
        let d = distance_km(paris, lyon);
        assert!((390.0..395.0).contains(&d), "{d}");
        assert_eq!(distance_km(paris, paris), 0.0);
    }
}
