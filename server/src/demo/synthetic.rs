//! A deterministic generator of synthetic CDMO profiles for benchmarks and property
//! tests (`cdmx seed`), and the requirement set the matching benchmarks use.
//!
//! Pure code: no clock, no database, no external randomness. Every name is invented;
//! cities and coordinates are real. All dates lie on or before 2026-01-01.

use cdmx_sdk::types::*;
use chrono::NaiveDate;

use crate::domain::geo::region_of;

/// A date from known-valid constants. An impossible date falls back to the earliest
/// representable one (in the past, so still valid); the tests check no demo date does.
fn ymd((year, month, day): (i32, u32, u32)) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).unwrap_or(NaiveDate::MIN)
}

/// Lower-case ASCII slug of a name, for site keys and `.example` web addresses.
fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.chars() {
        let c = match c {
            'à' | 'á' | 'â' | 'ä' | 'ã' => 'a',
            'é' | 'è' | 'ê' | 'ë' | 'É' => 'e',
            'í' | 'ì' | 'î' | 'ï' => 'i',
            'ó' | 'ò' | 'ô' | 'ö' | 'õ' => 'o',
            'ú' | 'ù' | 'û' | 'ü' => 'u',
            'ç' => 'c',
            'ñ' => 'n',
            other => other.to_ascii_lowercase(),
        };
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if c != '\'' && !out.is_empty() && !out.ends_with('-') {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// EU member states (their competent authorities license ATMP manufacture).
const EU_MEMBERS: &[&str] = &[
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV",
    "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE",
];

fn in_eu(country: &str) -> bool {
    EU_MEMBERS.contains(&country)
}

/// Whether a Qualified Person releases batches at a site in this country (EU and UK).
fn has_qp(country: &str) -> bool {
    in_eu(country) || country == "GB"
}

/// The authority that licenses manufacture in a country.
fn national_authority(country: &str) -> Authority {
    match country {
        "US" => Authority::Fda,
        "GB" => Authority::Mhra,
        "JP" => Authority::Pmda,
        "CA" => Authority::HealthCanada,
        "AU" => Authority::Tga,
        "CN" => Authority::Nmpa,
        "SG" => Authority::Hsa,
        c if in_eu(c) => Authority::EuMemberState,
        _ => Authority::Other,
    }
}

/// Working languages of a CDMO in a country (ISO 639-1).
fn languages_of(country: &str) -> &'static [&'static str] {
    match country {
        "FR" => &["fr", "en"],
        "DE" | "AT" => &["de", "en"],
        "CH" => &["fr", "de", "en"],
        "BE" => &["nl", "fr", "en"],
        "NL" => &["nl", "en"],
        "ES" => &["es", "en"],
        "IT" => &["it", "en"],
        "SE" => &["sv", "en"],
        "DK" => &["da", "en"],
        "JP" => &["ja", "en"],
        "KR" => &["ko", "en"],
        "CN" => &["zh", "en"],
        "IL" => &["he", "en"],
        "BR" => &["pt", "en"],
        "CA" => &["en", "fr"],
        _ => &["en"],
    }
}

/// SplitMix64: a tiny, fast, deterministic generator (Steele, Lea and Flood, 2014).
struct SplitMix64(u64);

impl SplitMix64 {
    fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0); the modulo bias is negligible here.
    fn below(&mut self, n: u64) -> u64 {
        if n == 0 { 0 } else { self.next_u64() % n }
    }

    /// Uniform in `lo..=hi`.
    fn range(&mut self, lo: u32, hi: u32) -> u32 {
        if hi <= lo {
            return lo;
        }
        lo + u32::try_from(self.below(u64::from(hi - lo) + 1)).unwrap_or(0)
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// One item, with probability proportional to its weight.
    fn weighted<T: Copy>(&mut self, items: &[(T, u32)]) -> Option<T> {
        let total: u64 = items.iter().map(|(_, w)| u64::from(*w)).sum();
        let mut roll = self.below(total);
        for (item, weight) in items {
            let weight = u64::from(*weight);
            if roll < weight {
                return Some(*item);
            }
            roll -= weight;
        }
        items.last().map(|(item, _)| *item)
    }

    /// Up to `n` distinct items drawn by weight (at least one if `items` is not empty).
    fn distinct<T: Copy + PartialEq>(&mut self, items: &[(T, u32)], n: usize) -> Vec<T> {
        let mut out = Vec::new();
        for _ in 0..n * 8 {
            if out.len() >= n {
                break;
            }
            if let Some(item) = self.weighted(items)
                && !out.contains(&item)
            {
                out.push(item);
            }
        }
        out
    }

    fn pick<T: Copy>(&mut self, items: &[T], fallback: T) -> T {
        let i = usize::try_from(self.below(items.len() as u64)).unwrap_or(0);
        items.get(i).copied().unwrap_or(fallback)
    }
}

/// A real city: (country, name, latitude, longitude).
type City = (&'static str, &'static str, f64, f64);

/// Site countries, weighted towards the United States and Europe.
const COUNTRY_WEIGHTS: &[(&str, u32)] = &[
    ("US", 30),
    ("DE", 7),
    ("GB", 7),
    ("FR", 6),
    ("NL", 4),
    ("ES", 3),
    ("IT", 3),
    ("BE", 3),
    ("CH", 3),
    ("SE", 2),
    ("DK", 1),
    ("IE", 2),
    ("CA", 4),
    ("JP", 5),
    ("KR", 4),
    ("CN", 7),
    ("SG", 2),
    ("AU", 3),
    ("IL", 1),
    ("BR", 1),
    ("IN", 2),
];

const CITIES: &[City] = &[
    ("US", "Boston", 42.3601, -71.0589),
    ("US", "Philadelphia", 39.9526, -75.1652),
    ("US", "San Diego", 32.7157, -117.1611),
    ("US", "Houston", 29.7604, -95.3698),
    ("US", "Seattle", 47.6062, -122.3321),
    ("US", "Durham", 35.9940, -78.8986),
    ("US", "Rockville", 39.0840, -77.1528),
    ("US", "Los Angeles", 34.0522, -118.2437),
    ("DE", "Munich", 48.1351, 11.5820),
    ("DE", "Berlin", 52.5200, 13.4050),
    ("DE", "Heidelberg", 49.3988, 8.6724),
    ("DE", "Leipzig", 51.3397, 12.3731),
    ("GB", "London", 51.5072, -0.1276),
    ("GB", "Stevenage", 51.9038, -0.1966),
    ("GB", "Cambridge", 52.2053, 0.1218),
    ("GB", "Manchester", 53.4808, -2.2426),
    ("GB", "Oxford", 51.7520, -1.2577),
    ("FR", "Paris", 48.8566, 2.3522),
    ("FR", "Lyon", 45.7640, 4.8357),
    ("FR", "Marseille", 43.2965, 5.3698),
    ("FR", "Nantes", 47.2184, -1.5536),
    ("FR", "Toulouse", 43.6047, 1.4442),
    ("NL", "Leiden", 52.1601, 4.4970),
    ("NL", "Utrecht", 52.0907, 5.1214),
    ("NL", "Amsterdam", 52.3676, 4.9041),
    ("ES", "Madrid", 40.4168, -3.7038),
    ("ES", "Barcelona", 41.3874, 2.1686),
    ("ES", "Valencia", 39.4699, -0.3763),
    ("IT", "Milan", 45.4642, 9.1900),
    ("IT", "Rome", 41.9028, 12.4964),
    ("IT", "Bologna", 44.4949, 11.3426),
    ("BE", "Leuven", 50.8798, 4.7005),
    ("BE", "Gosselies", 50.4667, 4.4333),
    ("BE", "Ghent", 51.0543, 3.7174),
    ("CH", "Geneva", 46.2044, 6.1432),
    ("CH", "Basel", 47.5596, 7.5886),
    ("CH", "Zurich", 47.3769, 8.5417),
    ("SE", "Stockholm", 59.3293, 18.0686),
    ("SE", "Gothenburg", 57.7089, 11.9746),
    ("SE", "Uppsala", 59.8586, 17.6389),
    ("DK", "Copenhagen", 55.6761, 12.5683),
    ("IE", "Dublin", 53.3498, -6.2603),
    ("IE", "Cork", 51.8985, -8.4756),
    ("CA", "Toronto", 43.6532, -79.3832),
    ("CA", "Montreal", 45.5019, -73.5674),
    ("CA", "Vancouver", 49.2827, -123.1207),
    ("JP", "Tokyo", 35.6762, 139.6503),
    ("JP", "Osaka", 34.6937, 135.5023),
    ("JP", "Kobe", 34.6901, 135.1955),
    ("JP", "Kyoto", 35.0116, 135.7681),
    ("KR", "Seoul", 37.5665, 126.9780),
    ("KR", "Incheon", 37.4563, 126.7052),
    ("CN", "Shanghai", 31.2304, 121.4737),
    ("CN", "Suzhou", 31.2990, 120.5853),
    ("CN", "Beijing", 39.9042, 116.4074),
    ("CN", "Guangzhou", 23.1291, 113.2644),
    ("SG", "Singapore", 1.3521, 103.8198),
    ("AU", "Melbourne", -37.8136, 144.9631),
    ("AU", "Sydney", -33.8688, 151.2093),
    ("AU", "Brisbane", -27.4698, 153.0251),
    ("IL", "Tel Aviv", 32.0853, 34.7818),
    ("BR", "São Paulo", -23.5558, -46.6396),
    ("IN", "Bengaluru", 12.9716, 77.5946),
];

/// Invented name stems for synthetic CDMOs.
const STEMS: &[&str] = &[
    "Aelvar",
    "Brisvane",
    "Corlith",
    "Dravessa",
    "Fenwyr",
    "Galdric",
    "Hesperine",
    "Ilvarra",
    "Jessamor",
    "Kelvanto",
    "Lorimel",
    "Mervaine",
    "Nortessa",
    "Oriskel",
    "Pavelline",
    "Quenmoor",
    "Rostavel",
    "Selvanne",
    "Tamberlin",
    "Ulvarro",
    "Veskari",
    "Wendral",
    "Xanthel",
    "Yorvessa",
    "Zephrane",
];

fn random_city(rng: &mut SplitMix64) -> City {
    let fallback: City = ("US", "Boston", 42.3601, -71.0589);
    let country = rng.weighted(COUNTRY_WEIGHTS).unwrap_or("US");
    let cities: Vec<City> = CITIES.iter().copied().filter(|c| c.0 == country).collect();
    rng.pick(&cities, fallback)
}

fn random_date(rng: &mut SplitMix64, first_year: u32, last_year: u32) -> (i32, u32, u32) {
    let year = i32::try_from(rng.range(first_year, last_year)).unwrap_or(2020);
    (year, rng.range(1, 12), rng.range(1, 28))
}

const PHASE_ORDER: [Phase; 5] = [
    Phase::Phase1,
    Phase::Phase1_2,
    Phase::Phase2,
    Phase::Phase3,
    Phase::Commercial,
];

/// Synthetic profile number `index` of the stream for `seed`, for benchmarks:
/// realistic distributions, deterministic in (seed, index), unique organization.name per index.
/// A few of its facts are left undisclosed (see [`withhold_some_facts`]).
pub fn synthetic_profile(seed: u64, index: u64) -> CapabilityProfile {
    let mut profile = fully_disclosed_profile(seed, index);
    withhold_some_facts(&mut profile, seed, index);
    profile
}

/// Synthetic profile `index` before any fact is withheld.
fn fully_disclosed_profile(seed: u64, index: u64) -> CapabilityProfile {
    let mut seeder = SplitMix64(seed);
    let mut rng = SplitMix64(seeder.next_u64() ^ index.wrapping_mul(0xD6E8_FEB8_6659_FD93));
    rng.next_u64();

    let kind = rng
        .weighted(&[
            (CdmoType::CommercialCdmo, 45),
            (CdmoType::AcademicGmpCentre, 25),
            (CdmoType::HospitalGmpCentre, 18),
            (CdmoType::PointOfCare, 12),
        ])
        .unwrap_or(CdmoType::CommercialCdmo);
    let commercial = kind == CdmoType::CommercialCdmo;
    let poc = kind == CdmoType::PointOfCare;
    // Size of the organisation: scales units, programmes and batches.
    let scale = if commercial {
        rng.weighted(&[(1, 40), (2, 30), (3, 20), (4, 10)])
            .unwrap_or(1)
    } else {
        rng.weighted(&[(1, 75), (2, 25)]).unwrap_or(1)
    };

    // Donor sources.
    let (autologous, allogeneic) = match kind {
        CdmoType::CommercialCdmo => {
            rng.weighted(&[((true, false), 60), ((false, true), 15), ((true, true), 25)])
        }
        CdmoType::AcademicGmpCentre => {
            rng.weighted(&[((true, false), 75), ((false, true), 15), ((true, true), 10)])
        }
        CdmoType::HospitalGmpCentre => {
            rng.weighted(&[((true, false), 85), ((false, true), 10), ((true, true), 5)])
        }
        // Point of care (the server never decodes an unknown type).
        _ => Some((true, false)),
    }
    .unwrap_or((true, false));

    // Modalities.
    let modalities = if poc {
        let mut m = vec![Modality::CarT];
        if rng.chance(20) {
            m.push(if rng.chance(50) {
                Modality::Nk
            } else {
                Modality::GammaDeltaT
            });
        }
        m
    } else {
        let max = if commercial { 4 } else { 3 };
        let n = rng.range(1, max) as usize;
        rng.distinct(
            &[
                (Modality::CarT, 30),
                (Modality::TcrT, 6),
                (Modality::Til, 5),
                (Modality::Nk, 8),
                (Modality::Treg, 4),
                (Modality::GammaDeltaT, 3),
                (Modality::GeneModifiedHsc, 5),
                (Modality::Msc, 10),
                (Modality::IpscDerived, 4),
                (Modality::DendriticCells, 4),
                (Modality::TCellProgenitors, 2),
                (Modality::CellDerivedProducts, 3),
                (Modality::NonHumanCells, 1),
            ],
            n,
        )
    };

    // Gene modification, from the modalities.
    let modifiable = modalities.iter().any(|m| {
        matches!(
            m,
            Modality::CarT
                | Modality::TcrT
                | Modality::Nk
                | Modality::GammaDeltaT
                | Modality::GeneModifiedHsc
                | Modality::TCellProgenitors
                | Modality::IpscDerived
        )
    });
    let gene_modification = if modifiable {
        let n = rng.weighted(&[(1, 55), (2, 35), (3, 10)]).unwrap_or(1);
        let mut methods = rng.distinct(
            &[
                (GeneModificationMethod::Lentiviral, 50),
                (GeneModificationMethod::GammaRetroviral, 12),
                (GeneModificationMethod::Transposon, 10),
                (GeneModificationMethod::GeneEditing, 15),
                (GeneModificationMethod::MrnaElectroporation, 8),
            ],
            n,
        );
        if modalities.contains(&Modality::GeneModifiedHsc)
            && !methods.contains(&GeneModificationMethod::Lentiviral)
            && rng.chance(80)
        {
            methods.insert(0, GeneModificationMethod::Lentiviral);
        }
        if rng.chance(10) {
            methods.push(GeneModificationMethod::None);
        }
        let viral = methods.iter().any(|m| {
            matches!(
                m,
                GeneModificationMethod::Lentiviral | GeneModificationMethod::GammaRetroviral
            )
        });
        let vector_supply = if viral {
            let n = rng.range(1, 2) as usize;
            rng.distinct(
                &[
                    (VectorSupply::InHouse, if commercial { 30 } else { 15 }),
                    (VectorSupply::Partner, 40),
                    (VectorSupply::SponsorSupplied, 35),
                ],
                n,
            )
        } else {
            Vec::new()
        };
        GeneModification {
            methods,
            vector_supply,
        }
    } else {
        GeneModification {
            methods: vec![GeneModificationMethod::None],
            vector_supply: Vec::new(),
        }
    };

    // Phase track record, skewed to early phases. The weights pick the latest phase
    // reached: Phase 1, 1/2, 2, 3, commercial.
    let max_phase = match kind {
        CdmoType::CommercialCdmo => rng.weighted(&[(1, 15), (2, 20), (3, 25), (4, 25), (5, 15)]),
        CdmoType::AcademicGmpCentre => rng.weighted(&[(1, 35), (2, 40), (3, 20), (4, 5)]),
        CdmoType::HospitalGmpCentre => rng.weighted(&[(1, 40), (2, 40), (3, 15), (4, 5)]),
        // Point of care (the server never decodes an unknown type).
        _ => rng.weighted(&[(1, 50), (2, 40), (3, 10)]),
    }
    .unwrap_or(1);
    let mut phases = Vec::new();
    if commercial || rng.chance(40) {
        let programmes = rng.range(2, 10) * scale;
        phases.push(PhaseExperience {
            phase: Phase::ProcessDevelopment,
            programmes,
            gmp_batches: Some(programmes * rng.range(1, 3)),
        });
    }
    for (rank, phase) in PHASE_ORDER.iter().copied().enumerate().take(max_phase) {
        if phase == Phase::Phase1_2 && rank + 1 < max_phase && rng.chance(30) {
            continue;
        }
        let (programmes, batches_each) = match phase {
            Phase::Phase1 => (rng.range(2, 8) * scale, rng.range(4, 12)),
            Phase::Phase1_2 => (rng.range(1, 5) * scale, rng.range(5, 15)),
            Phase::Phase2 => (rng.range(1, 4) * scale, rng.range(8, 25)),
            Phase::Phase3 => (rng.range(1, 2) * scale.min(2), rng.range(20, 80)),
            _ => (rng.range(1, 2), rng.range(150, 800)),
        };
        // Allogeneic batches serve many patients: far fewer of them.
        let batches_each = if autologous {
            batches_each
        } else {
            (batches_each / 4).max(1)
        };
        phases.push(PhaseExperience {
            phase,
            programmes,
            gmp_batches: Some(programmes * batches_each),
        });
    }
    let reached_commercial = max_phase >= 5;

    // Platforms.
    let mut platform_kinds: Vec<Platform> = Vec::new();
    if poc {
        platform_kinds.push(if rng.chance(75) {
            Platform::ClinimacsProdigy
        } else {
            Platform::LonzaCocoon
        });
    } else {
        if autologous {
            let n = if commercial {
                rng.range(1, 3)
            } else {
                rng.range(1, 2)
            } as usize;
            platform_kinds = rng.distinct(
                &[
                    (Platform::ClinimacsProdigy, 30),
                    (Platform::LonzaCocoon, 15),
                    (
                        Platform::CellaresCellShuttle,
                        if commercial { 6 } else { 1 },
                    ),
                    (Platform::GRex, 25),
                    (Platform::RockingMotionBioreactor, 15),
                    (Platform::Other, 9),
                ],
                n,
            );
        }
        if allogeneic {
            let bioreactor = rng
                .weighted(&[
                    (Platform::StirredTankBioreactor, 45),
                    (Platform::RockingMotionBioreactor, 35),
                    (Platform::GRex, 10),
                    (Platform::Other, 10),
                ])
                .unwrap_or(Platform::RockingMotionBioreactor);
            if !platform_kinds.contains(&bioreactor) {
                platform_kinds.push(bioreactor);
            }
        }
    }
    let platforms: Vec<PlatformCapability> = platform_kinds
        .iter()
        .map(|&platform| {
            let (units, parallel) = match platform {
                Platform::CellaresCellShuttle => {
                    let units = rng.range(1, 3);
                    (units, units * 16)
                }
                Platform::StirredTankBioreactor => {
                    let units = rng.range(1, 4) * scale;
                    (units, (units / 2).max(1))
                }
                Platform::GRex => {
                    let units = rng.range(4, 20) * scale;
                    (units, (units / 2).max(1))
                }
                _ if poc => {
                    let units = rng.range(1, 4);
                    (units, units)
                }
                _ if commercial => {
                    let units = rng.range(4, 12) * scale;
                    (units, units)
                }
                _ => {
                    let units = rng.range(1, 6);
                    (units, units)
                }
            };
            let name = (platform == Platform::Other).then(|| {
                rng.pick(
                    &[
                        "Static culture bags",
                        "Multilayer flasks",
                        "Custom closed processing system",
                        "Hollow-fibre bioreactor",
                    ],
                    "Static culture bags",
                )
                .to_owned()
            });
            PlatformCapability {
                platform,
                name,
                units: Some(units),
                parallel_batches: Some(parallel),
            }
        })
        .collect();

    let allogeneic_experience = allogeneic.then(|| {
        let volume = if platform_kinds.contains(&Platform::StirredTankBioreactor) {
            rng.weighted(&[(50, 30), (200, 30), (500, 20), (1_000, 12), (2_000, 8)])
                .unwrap_or(50)
        } else if platform_kinds.contains(&Platform::RockingMotionBioreactor) {
            rng.pick(&[10, 20, 25, 50], 10)
        } else {
            rng.range(1, 10)
        };
        AllogeneicExperience {
            max_bioreactor_volume_l: Some(f64::from(volume)),
            doses_per_batch: Some((volume * rng.range(1, 3)).clamp(10, 5_000)),
        }
    });
    let autologous_experience = autologous.then(|| AutologousExperience {
        batches_per_year: Some(match kind {
            CdmoType::CommercialCdmo => {
                rng.range(40, 400) * scale * if reached_commercial { 3 } else { 1 }
            }
            CdmoType::PointOfCare => rng.range(10, 60),
            _ => rng.range(15, 150),
        }),
    });

    // What licences can cover: the organisation's own products.
    let donors: Vec<DonorSource> = [
        (autologous, DonorSource::Autologous),
        (allogeneic, DonorSource::Allogeneic),
    ]
    .into_iter()
    .filter_map(|(has, d)| has.then_some(d))
    .collect();
    use LicensedActivity::{Manufacturing, Release, Testing};

    // Sites.
    let site_count = if commercial {
        rng.weighted(&[(1, 65), (2, 25), (3, 10)]).unwrap_or(1)
    } else {
        rng.weighted(&[(1, 92), (2, 8)]).unwrap_or(1)
    };
    let stem = rng.pick(STEMS, "Aelvar");
    let mut sites = Vec::new();
    for i in 0..site_count {
        let (country, city, lat, lon) = random_city(&mut rng);
        let authority = national_authority(country);
        let europe = region_of(country) == Some(Region::Europe);
        let closed = poc
            || rng.chance(match kind {
                CdmoType::CommercialCdmo => 70,
                _ => 50,
            });
        let open_suites = !poc && (!closed || rng.chance(60));
        let mut cleanrooms = Vec::new();
        if open_suites {
            let a = rng.range(1, 3 * scale);
            cleanrooms.push(CleanroomSuite {
                grade: CleanroomGrade::A,
                count: Some(a),
                area_m2: Some(f64::from(a * rng.range(10, 20))),
            });
            let b = a + rng.range(0, 2);
            cleanrooms.push(CleanroomSuite {
                grade: CleanroomGrade::B,
                count: Some(b),
                area_m2: Some(f64::from(b * rng.range(60, 120))),
            });
        }
        let with_c = rng.chance(80) || cleanrooms.is_empty();
        if with_c {
            let c = rng.range(1, if poc { 1 } else { 4 * scale });
            cleanrooms.push(CleanroomSuite {
                grade: CleanroomGrade::C,
                count: Some(c),
                area_m2: Some(f64::from(c * rng.range(30, 150))),
            });
        }
        if closed && rng.chance(50) {
            let d = rng.range(1, 4);
            cleanrooms.push(CleanroomSuite {
                grade: CleanroomGrade::D,
                count: Some(d),
                area_m2: Some(f64::from(d * rng.range(40, 250))),
            });
        }

        // A release activity where a Qualified Person certifies batches.
        let release: &[LicensedActivity] = if has_qp(country) {
            &[Manufacturing, Testing, Release]
        } else {
            &[Manufacturing, Testing]
        };
        let mut licences = Vec::new();
        // `modalities`/`donors` empty: not limited by them. One licence in twenty leaves
        // its coverage unstated, as imported records do; every licence has its wording.
        let mut licence = |kind: LicenceKind,
                           authority: Authority,
                           (modalities, donor_sources, activities): (
            &[Modality],
            &[DonorSource],
            &[LicensedActivity],
        ),
                           scope: &str,
                           rng: &mut SplitMix64| {
            let granted = random_date(rng, 2005, 2025);
            let expires_on = (kind == LicenceKind::FactJacieAccreditation)
                .then(|| ymd((granted.0 + 3, granted.1, granted.2)));
            let coverage = (!rng.chance(5)).then(|| LicenceCoverage {
                modalities: modalities.to_vec(),
                donor_sources: donor_sources.to_vec(),
                activities: activities.to_vec(),
            });
            licences.push(Licence {
                authority,
                kind,
                scope: scope.into(),
                coverage,
                granted_on: ymd(granted),
                expires_on,
            });
        };
        // The product a single-product licence (an approved product's site, a hospital
        // exemption) was granted for.
        let lead = &modalities[..1.min(modalities.len())];
        match kind {
            CdmoType::CommercialCdmo => {
                if authority == Authority::Fda {
                    if reached_commercial && rng.chance(70) {
                        licence(
                            LicenceKind::BlaApprovedSite,
                            authority,
                            (lead, &donors, &[Manufacturing, Testing, Release]),
                            "Commercial cell therapy manufacture",
                            &mut rng,
                        );
                    }
                } else {
                    let authorised = rng.chance(75);
                    if authorised {
                        licence(
                            LicenceKind::ManufacturingAuthorisation,
                            authority,
                            (&[], &[], release),
                            "ATMP manufacturing authorisation",
                            &mut rng,
                        );
                    }
                    // Without a manufacturing authorisation, at least an IMP licence.
                    if !authorised || rng.chance(40) {
                        licence(
                            LicenceKind::ImpLicence,
                            authority,
                            (&[], &[], release),
                            "Investigational ATMP manufacture",
                            &mut rng,
                        );
                    }
                    if reached_commercial && in_eu(country) && rng.chance(30) {
                        licence(
                            LicenceKind::ManufacturingAuthorisation,
                            Authority::Ema,
                            (lead, &donors, &[Manufacturing, Release]),
                            "Named site in a centrally authorised ATMP",
                            &mut rng,
                        );
                    }
                }
            }
            CdmoType::AcademicGmpCentre | CdmoType::HospitalGmpCentre => {
                if authority != Authority::Fda && rng.chance(85) {
                    licence(
                        LicenceKind::ImpLicence,
                        authority,
                        (&modalities, &[], release),
                        "Investigational cell therapy manufacture",
                        &mut rng,
                    );
                }
                let accredited = if kind == CdmoType::HospitalGmpCentre {
                    70
                } else {
                    25
                };
                if rng.chance(accredited) {
                    licence(
                        LicenceKind::FactJacieAccreditation,
                        Authority::Other,
                        (&[], &[], &[Manufacturing, Testing]),
                        "FACT-JACIE cellular therapy accreditation",
                        &mut rng,
                    );
                }
            }
            // Point of care (the server never decodes an unknown type).
            _ => {
                if (europe || authority == Authority::Other) && rng.chance(85) {
                    licence(
                        LicenceKind::HospitalExemption,
                        authority,
                        (
                            &[Modality::CarT],
                            &[DonorSource::Autologous],
                            &[Manufacturing, Release],
                        ),
                        "Hospital exemption: in-hospital CAR-T production",
                        &mut rng,
                    );
                } else if rng.chance(60) {
                    licence(
                        LicenceKind::FactJacieAccreditation,
                        Authority::Other,
                        (&[], &[DonorSource::Autologous], &[Manufacturing, Testing]),
                        "FACT-JACIE immune effector cell accreditation",
                        &mut rng,
                    );
                }
            }
        }

        let inspection_count = rng
            .weighted(&[(0, 20), (1, 35), (2, 30), (3, 15)])
            .unwrap_or(0);
        let mut inspections: Vec<Inspection> = (0..inspection_count)
            .map(|_| {
                let by = if authority != Authority::Fda && max_phase >= 4 && rng.chance(15) {
                    Authority::Fda
                } else {
                    authority
                };
                Inspection {
                    authority: by,
                    date: ymd(random_date(&mut rng, 2015, 2025)),
                    outcome: rng
                        .weighted(&[
                            (InspectionOutcome::NoFindings, 50),
                            (InspectionOutcome::MinorFindings, 38),
                            (InspectionOutcome::MajorFindings, 8),
                            (InspectionOutcome::CriticalFindings, 2),
                            (InspectionOutcome::Enforcement, 2),
                        ])
                        .unwrap_or(InspectionOutcome::NoFindings),
                }
            })
            .collect();
        inspections.sort_by_key(|inspection| inspection.date);

        // Authorities abroad that accepted the site's batches: the FDA taking ex-US
        // clinical batches for an IND, an EU QP certifying batches for an EU trial.
        let mut acceptances = Vec::new();
        if max_phase >= 2 {
            let (abroad, batches) = if authority != Authority::Fda && rng.chance(15) {
                (Some(Authority::Fda), AcceptedBatches::ClinicalBatches)
            } else if !in_eu(country) && rng.chance(8) {
                (Some(Authority::Ema), AcceptedBatches::ClinicalBatches)
            } else {
                (None, AcceptedBatches::ClinicalBatches)
            };
            if let Some(abroad) = abroad {
                let batches = if reached_commercial && rng.chance(30) {
                    AcceptedBatches::CommercialBatches
                } else {
                    batches
                };
                acceptances.push(RegulatoryAcceptance {
                    authority: abroad,
                    batches,
                    accepted_on: ymd(random_date(&mut rng, 2016, 2025)),
                    reference: Some(format!("ACC-{:06}", rng.range(1, 999_999))),
                    note: None,
                });
            }
        }

        sites.push(Site {
            key: format!("{}-{}", slug(city), i + 1),
            name: format!("{stem} {city}"),
            country: country.into(),
            city: city.into(),
            latitude: Some(lat),
            longitude: Some(lon),
            cleanrooms,
            closed_processing: Some(closed),
            isolators: Some(!poc && rng.chance(30)),
            licences,
            inspections,
            acceptances,
        });
    }
    let home = sites
        .first()
        .map(|s| s.country.clone())
        .unwrap_or_else(|| "US".into());
    let home_region = region_of(&home).unwrap_or(Region::NorthAmerica);

    // QC.
    let viral = gene_modification.methods.iter().any(|m| {
        matches!(
            m,
            GeneModificationMethod::Lentiviral | GeneModificationMethod::GammaRetroviral
        )
    });
    let mut assays = Vec::new();
    let rapid = rng.chance(40);
    if !rapid || rng.chance(50) {
        assays.push(QcAssay::CompendialSterility);
    }
    if rapid {
        assays.push(QcAssay::RapidMicrobiology);
    }
    for (assay, percent) in [
        (QcAssay::Mycoplasma, 90),
        (QcAssay::Endotoxin, 95),
        (QcAssay::IdentityFlow, 95),
        (QcAssay::Potency, if commercial { 85 } else { 55 }),
        (QcAssay::VectorCopyNumber, if viral { 70 } else { 0 }),
        (
            QcAssay::ReplicationCompetentVirus,
            if viral { 45 } else { 0 },
        ),
    ] {
        if rng.chance(percent) {
            assays.push(assay);
        }
    }

    // Cryo and logistics.
    let small = !commercial && scale == 1;
    let min_storage_temp_c = if small && rng.chance(15) {
        -80
    } else {
        rng.pick(&[-150, -156, -165, -170, -180, -185, -190, -196], -180)
    };
    let shipping_lead_time_hours = if poc {
        rng.chance(50).then(|| rng.range(2, 12))
    } else {
        Some(rng.pick(&[4, 6, 8, 12, 24, 24, 48, 72], 24))
    };
    let mut regions_served = vec![home_region];
    let mut hubs = Vec::new();
    if commercial {
        for (region, percent) in [
            (Region::NorthAmerica, 60),
            (Region::Europe, 60),
            (Region::AsiaPacific, 40),
            (Region::LatinAmerica, 20),
            (Region::MiddleEast, 20),
            (Region::Africa, 5),
        ] {
            if !regions_served.contains(&region) && rng.chance(percent) {
                regions_served.push(region);
            }
        }
        for _ in 0..rng.range(0, 3) {
            let country = rng.weighted(COUNTRY_WEIGHTS).unwrap_or("US");
            if !hubs.iter().any(|h: &LogisticsHub| h.country == country) {
                hubs.push(LogisticsHub {
                    country: country.into(),
                    scope: if rng.chance(60) {
                        HubScope::Global
                    } else {
                        HubScope::Local
                    },
                });
            }
        }
    } else {
        if !poc && rng.chance(20) {
            let other = rng.pick(
                &[Region::Europe, Region::NorthAmerica, Region::AsiaPacific],
                Region::Europe,
            );
            if !regions_served.contains(&other) {
                regions_served.push(other);
            }
        }
        if rng.chance(30) {
            hubs.push(LogisticsHub {
                country: home.clone(),
                scope: HubScope::Local,
            });
        }
    }

    // Performance and tech transfer.
    let process_days = if poc {
        rng.range(7, 12)
    } else if autologous {
        rng.range(7, 16)
    } else {
        rng.range(12, 24)
    };
    let turnaround = (process_days + rng.range(2, 8)).clamp(7, 25);
    let success = f64::from(rng.range(850, 990)) / 10.0;
    let months_min = rng.range(6, 12);
    let months_max = (months_min + rng.range(3, 12)).min(24);
    let cost_min = u64::from(rng.range(6, 40)) * 50_000;
    let cost_max = (cost_min + u64::from(rng.range(4, 60)) * 50_000).min(5_000_000);

    let suffix = match kind {
        CdmoType::CommercialCdmo => rng.pick(
            &[
                "Biomanufacturing",
                "Cell Therapies",
                "Bioprocess",
                "Cell Works",
                "Advanced Therapies",
            ],
            "Biomanufacturing",
        ),
        CdmoType::AcademicGmpCentre => rng.pick(
            &[
                "University GMP Facility",
                "Academic Cell Therapy Centre",
                "Institute Cell Processing Unit",
            ],
            "University GMP Facility",
        ),
        CdmoType::HospitalGmpCentre => rng.pick(
            &[
                "Hospital Cell Therapy Unit",
                "Medical Center GMP Laboratory",
            ],
            "Hospital Cell Therapy Unit",
        ),
        // Point of care (the server never decodes an unknown type).
        _ => rng.pick(
            &["Point-of-Care CAR-T Unit", "Bedside Manufacturing Unit"],
            "Point-of-Care CAR-T Unit",
        ),
    };
    let name = format!("{stem} {suffix} {index}");
    let automated = commercial && rng.chance(50);

    CapabilityProfile {
        organization: OrganizationFacts {
            website: Some(format!("https://www.{}-{index}.example", slug(stem))),
            name,
            cdmo_type: kind,
            years_in_operation: Some(match kind {
                CdmoType::CommercialCdmo => rng.range(2, 30),
                CdmoType::PointOfCare => rng.range(1, 8),
                _ => rng.range(5, 40),
            }),
            description: Some("Synthetic profile generated for benchmarks.".into()),
        },
        sites,
        donor_sources: DonorSourceExperience {
            autologous: autologous_experience,
            allogeneic: allogeneic_experience,
        },
        modalities,
        gene_modification,
        phases,
        platforms,
        automation: Automation {
            automated_wash_concentration: Some(poc || rng.chance(if commercial { 85 } else { 35 })),
            automated_formulation: Some(poc || rng.chance(if commercial { 70 } else { 25 })),
            fill: Some(if automated {
                FillAutomation::Automated
            } else if commercial || rng.chance(25) {
                FillAutomation::SemiAutomated
            } else {
                FillAutomation::Manual
            }),
            controlled_rate_freezers: Some(rng.range(1, 3) * scale),
        },
        quality: QualitySystem {
            qms: Some(true),
            gmp_warehouse: Some(commercial || rng.chance(60)),
            validation_programme: Some(commercial || rng.chance(85)),
            calibration_programme: Some(true),
        },
        qc: QualityControl {
            in_house_assays: assays,
            release_turnaround_days: Some(rng.range(2, 14)),
            qp_release: Some(has_qp(&home) && rng.chance(90)),
        },
        cryo: CryoStorage {
            min_storage_temp_c: Some(min_storage_temp_c),
            storage_positions: Some(rng.range(200, 5_000) * scale * if commercial { 4 } else { 1 }),
            controlled_rate_freezing: Some(true),
        },
        logistics: Logistics {
            shipping_lead_time_hours,
            hubs,
            regions_served,
            chain_of_custody: Some(commercial || poc || rng.chance(70)),
        },
        performance: Performance {
            process_duration_days: Some(process_days),
            median_turnaround_days: Some(turnaround),
            success_rate_percent: Some(success),
        },
        tech_transfer: TechTransfer {
            duration_months_min: Some(months_min),
            duration_months_max: Some(months_max),
            cost_usd_min: Some(cost_min),
            cost_usd_max: Some(cost_max),
            engineering_runs: Some(rng.range(1, 3)),
            comparability_support: Some(commercial || rng.chance(40)),
            process_development_services: Some(commercial || rng.chance(50)),
        },
        soft_factors: SoftFactors {
            languages: languages_of(&home)
                .iter()
                .map(|l| (*l).to_owned())
                .collect(),
            small_batch_flexibility: (!commercial || rng.chance(30)).then(|| {
                rng.pick(
                    &[
                        "Single-patient batches accepted for early-phase trials.",
                        "Slots can be split between cohorts and moved at two weeks' notice.",
                        "Minimum campaign of three batches; flexible scheduling.",
                    ],
                    "Single-patient batches accepted for early-phase trials.",
                )
                .to_owned()
            }),
            communication: rng.chance(50).then(|| {
                rng.pick(
                    &[
                        "Weekly sponsor call and shared batch tracker.",
                        "Named project manager; monthly steering meeting.",
                        "Sponsor portal with batch status and deviations.",
                    ],
                    "Weekly sponsor call and shared batch tracker.",
                )
                .to_owned()
            }),
        },
    }
}

/// Leaves a few facts of a synthetic profile undisclosed, as real importers do: each
/// optional fact is withheld with a small probability (2%), and academic and
/// hospital centres more often keep their allogeneic bioreactor volume and autologous
/// batches per year to themselves (about 15%). Draws from a stream of its own, so the
/// facts that are disclosed keep the values they had before withholding existed.
fn withhold_some_facts(p: &mut CapabilityProfile, seed: u64, index: u64) {
    let mut rng = SplitMix64(seed.rotate_left(17) ^ index.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    rng.next_u64();
    const RATE: u64 = 2;
    let centre = matches!(
        p.organization.cdmo_type,
        CdmoType::AcademicGmpCentre | CdmoType::HospitalGmpCentre
    );
    let volume_rate = if centre { 15 } else { RATE };
    fn withhold<T>(rng: &mut SplitMix64, percent: u64, fact: &mut Option<T>) {
        if rng.chance(percent) {
            *fact = None;
        }
    }
    for site in &mut p.sites {
        if rng.chance(RATE) {
            site.latitude = None;
            site.longitude = None;
        }
        withhold(&mut rng, RATE, &mut site.isolators);
        withhold(&mut rng, RATE, &mut site.closed_processing);
        for suite in &mut site.cleanrooms {
            withhold(&mut rng, RATE, &mut suite.area_m2);
        }
    }
    if let Some(a) = &mut p.donor_sources.autologous {
        withhold(&mut rng, volume_rate, &mut a.batches_per_year);
    }
    if let Some(a) = &mut p.donor_sources.allogeneic {
        withhold(&mut rng, volume_rate, &mut a.max_bioreactor_volume_l);
        withhold(&mut rng, RATE, &mut a.doses_per_batch);
    }
    for e in &mut p.phases {
        withhold(&mut rng, RATE, &mut e.gmp_batches);
    }
    for platform in &mut p.platforms {
        withhold(&mut rng, RATE, &mut platform.units);
        withhold(&mut rng, RATE, &mut platform.parallel_batches);
    }
    let a = &mut p.automation;
    withhold(&mut rng, RATE, &mut a.automated_wash_concentration);
    withhold(&mut rng, RATE, &mut a.automated_formulation);
    withhold(&mut rng, RATE, &mut a.fill);
    withhold(&mut rng, RATE, &mut a.controlled_rate_freezers);
    let q = &mut p.quality;
    withhold(&mut rng, RATE, &mut q.gmp_warehouse);
    withhold(&mut rng, RATE, &mut q.validation_programme);
    withhold(&mut rng, RATE, &mut q.calibration_programme);
    withhold(&mut rng, RATE, &mut p.qc.qp_release);
    withhold(&mut rng, RATE, &mut p.qc.release_turnaround_days);
    withhold(&mut rng, RATE, &mut p.cryo.storage_positions);
    withhold(&mut rng, RATE, &mut p.logistics.chain_of_custody);
    withhold(&mut rng, RATE, &mut p.performance.success_rate_percent);
    withhold(&mut rng, RATE, &mut p.tech_transfer.engineering_runs);
    withhold(&mut rng, RATE, &mut p.tech_transfer.comparability_support);
}

/// The requirement set the matching benchmarks use: a late-stage autologous CAR-T
/// programme with four hard constraints and every criterion (missing data penalised).
pub fn benchmark_requirements() -> RequirementSet {
    let weighted = |criterion, weight| WeightedCriterion {
        weight_range: None,
        criterion,
        weight,
        scale: None,
        missing: Some(MissingDataPolicy::Penalise),
        origin: None,
        authorities: vec![],
        platforms: Vec::new(),
    };
    let mut distance = weighted(Criterion::Distance, 1.0);
    distance.origin = Some(GeoPoint {
        latitude: 48.85,
        longitude: 2.35,
    });
    RequirementSet {
        weight_order: Vec::new(),
        constraints: HardConstraints {
            donor_source: Some(DonorSource::Autologous),
            modalities: vec![Modality::CarT],
            phase_track_record: Some(PhaseTrackRecord {
                phase: Phase::Phase2,
                min_programmes: 1,
            }),
            max_cryo_temp_c: Some(-150),
            ..Default::default()
        },
        criteria: vec![
            weighted(Criterion::TrackRecordDepth, 3.0),
            weighted(Criterion::TechTransferTime, 1.0),
            weighted(Criterion::TechTransferCost, 1.0),
            weighted(Criterion::QcCoverage, 1.0),
            weighted(Criterion::SuccessRate, 2.0),
            weighted(Criterion::Turnaround, 2.0),
            distance,
            weighted(Criterion::InspectionHistory, 1.0),
            weighted(Criterion::EvidenceConfidence, 1.0),
        ],
        missing_data_penalty_percent: None,
        capacity: None,
        near_miss_tolerances: Vec::new(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::domain::profiles::{ValidProfile, max_phase, phase_rank};

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 1).unwrap()
    }

    /// Validates a profile, printing every violation if it fails, and checks the rules
    /// the data set promises beyond validation: dates in the past (and not a fallback),
    /// upper-case known country codes.
    pub(crate) fn assert_valid(p: &CapabilityProfile) {
        if let Err(violations) = ValidProfile::parse(p.clone(), today()) {
            let list: Vec<String> = violations
                .into_iter()
                .map(|v| format!("  {}: {}", v.field, v.message))
                .collect();
            panic!("{} is invalid:\n{}", p.organization.name, list.join("\n"));
        }
        let earliest = NaiveDate::from_ymd_opt(2000, 1, 1).unwrap();
        let latest = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        for site in &p.sites {
            assert!(region_of(&site.country).is_some(), "{}", site.country);
            let dates = site
                .licences
                .iter()
                .map(|l| l.granted_on)
                .chain(site.inspections.iter().map(|i| i.date))
                .chain(site.acceptances.iter().map(|a| a.accepted_on));
            for date in dates {
                assert!(
                    (earliest..=latest).contains(&date),
                    "{}: date {date}",
                    p.organization.name
                );
            }
        }
        for hub in &p.logistics.hubs {
            assert!(region_of(&hub.country).is_some(), "{}", hub.country);
        }
    }

    fn reaches(p: &CapabilityProfile, phase: Phase) -> bool {
        max_phase(p).is_some_and(|m| phase_rank(m) >= phase_rank(phase))
    }

    #[test]
    fn synthetic_profiles_are_valid_deterministic_and_seeded() {
        let mut names = std::collections::HashSet::new();
        for index in 0..2_000 {
            let p = synthetic_profile(7, index);
            assert_valid(&p);
            assert!(names.insert(p.organization.name.clone()), "{index}");
        }
        for index in [0, 1, 999, 1_999, u64::MAX] {
            assert_eq!(synthetic_profile(7, index), synthetic_profile(7, index));
        }
        let differ = (0..20).any(|i| synthetic_profile(7, i) != synthetic_profile(8, i));
        assert!(differ);
        assert_ne!(synthetic_profile(7, 0), synthetic_profile(8, 0));
    }

    #[test]
    fn synthetic_profiles_follow_realistic_distributions() {
        let profiles: Vec<CapabilityProfile> =
            (0..2_000).map(|i| synthetic_profile(7, i)).collect();
        let share = |f: &dyn Fn(&CapabilityProfile) -> bool| {
            profiles.iter().filter(|p| f(p)).count() as f64 / profiles.len() as f64
        };
        let commercial = share(&|p| p.organization.cdmo_type == CdmoType::CommercialCdmo);
        assert!((0.35..0.55).contains(&commercial), "{commercial}");
        let us = share(&|p| p.sites[0].country == "US");
        assert!((0.2..0.4).contains(&us), "{us}");
        let late = share(&|p| reaches(p, Phase::Phase3));
        let early = share(&|p| !reaches(p, Phase::Phase2));
        assert!(late < early, "{late} {early}");
        for kind in CdmoType::ALL {
            assert!(share(&|p| p.organization.cdmo_type == *kind) > 0.0);
        }
        assert!(profiles.iter().all(|p| (1..=3).contains(&p.sites.len())));
    }

    #[test]
    fn synthetic_profiles_leave_a_few_facts_undisclosed() {
        use crate::domain::profiles::undisclosed;
        let profiles: Vec<CapabilityProfile> =
            (0..2_000).map(|i| synthetic_profile(7, i)).collect();
        let mut with_gaps = 0;
        for (index, p) in profiles.iter().enumerate() {
            let before = undisclosed(&fully_disclosed_profile(7, index as u64));
            let after = undisclosed(p);
            assert!(
                before.iter().all(|f| after.contains(f)),
                "withholding only removes facts"
            );
            with_gaps += usize::from(after.len() > before.len());
        }
        // About 2% of some 35 facts per profile: roughly half the profiles withhold
        // something, each only a fact or two.
        let share = with_gaps as f64 / profiles.len() as f64;
        assert!((0.25..0.8).contains(&share), "{share}");
        let no_volume = profiles
            .iter()
            .filter(|p| {
                p.donor_sources
                    .allogeneic
                    .as_ref()
                    .is_some_and(|a| a.max_bioreactor_volume_l.is_none())
            })
            .count();
        let allogeneic = profiles
            .iter()
            .filter(|p| p.donor_sources.allogeneic.is_some())
            .count();
        let volume_share = no_volume as f64 / allogeneic as f64;
        assert!((0.02..0.2).contains(&volume_share), "{volume_share}");
        let coordinates = profiles
            .iter()
            .flat_map(|p| &p.sites)
            .filter(|s| s.latitude.is_none())
            .count();
        assert!(
            coordinates > 0,
            "some sites keep their coordinates to themselves"
        );
        assert!(
            profiles
                .iter()
                .flat_map(|p| &p.sites)
                .all(|s| s.latitude.is_some() == s.longitude.is_some()),
            "coordinates are withheld together"
        );
    }
}
