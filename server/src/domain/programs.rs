//! Sponsor programmes: what a valid one is, and the requirements its match uses.

use cdmx_sdk::types::{GeneModificationMethod, ProgramRequest, RequirementSet};

use super::matching::ValidRequirements;
use super::{Violations, geo, input};

/// A programme that passed validation, normalised, with its match requirements.
#[derive(Debug, Clone)]
pub struct ValidProgram {
    pub program: ProgramRequest,
    pub requirements: ValidRequirements,
}

/// The requirement set a programme's match uses: the sponsor's, with the product's
/// donor source, modality and gene-modification method added as hard constraints
/// where the sponsor left them open (unmodified cells need no method).
pub fn effective_requirements(program: &ProgramRequest) -> RequirementSet {
    let mut set = program.requirements.clone();
    let c = &mut set.constraints;
    let product = &program.product;
    c.donor_source.get_or_insert(product.donor_source);
    if c.modalities.is_empty() {
        c.modalities.push(product.modality);
    }
    if c.gene_modification.is_empty() && product.gene_modification != GeneModificationMethod::None {
        c.gene_modification.push(product.gene_modification);
    }
    set
}

impl ValidProgram {
    pub fn parse(mut program: ProgramRequest) -> Result<Self, Violations> {
        let mut v = Violations::new();
        match input::parse_name(&program.name, 200) {
            Ok(name) => program.name = name,
            Err(message) => v.add("name", message),
        }
        for (i, market) in program.target_markets.iter_mut().enumerate() {
            *market = market.trim().to_uppercase();
            if !geo::is_country(market) {
                v.add(
                    format!("target_markets[{i}]"),
                    format!("`{market}` is not an ISO 3166-1 alpha-2 code"),
                );
            }
        }
        let timeline = &program.timeline;
        input::check_optional_date(&mut v, "timeline.earliest_start", timeline.earliest_start);
        input::check_optional_date(&mut v, "timeline.latest_start", timeline.latest_start);
        if let (Some(earliest), Some(latest)) = (
            program.timeline.earliest_start,
            program.timeline.latest_start,
        ) && earliest > latest
        {
            v.add("timeline.latest_start", "must not be before earliest_start");
        }
        let requirements =
            ValidRequirements::parse(effective_requirements(&program), Some(program.target_phase));
        match requirements {
            Ok(requirements) if v.is_empty() => Ok(Self {
                program,
                requirements,
            }),
            Ok(_) => Err(v),
            Err(more) => {
                v.extend(more.within("requirements"));
                Err(v)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cdmx_sdk::types::*;

    fn program() -> ProgramRequest {
        ProgramRequest {
            name: " Allo CAR-T pivotal ".into(),
            product: Product {
                modality: Modality::CarT,
                donor_source: DonorSource::Allogeneic,
                gene_modification: GeneModificationMethod::GeneEditing,
            },
            target_phase: Phase::Phase3,
            target_markets: vec!["us".into(), "FR".into()],
            timeline: Timeline::default(),
            requirements: RequirementSet {
                criteria: vec![WeightedCriterion {
                    weight_range: None,
                    criterion: Criterion::SuccessRate,
                    weight: 1.0,
                    scale: None,
                    missing: None,
                    origin: None,
                    authorities: vec![],
                    platforms: Vec::new(),
                }],
                ..Default::default()
            },
        }
    }

    #[test]
    fn the_product_becomes_constraints_where_the_sponsor_left_them_open() {
        let set = effective_requirements(&program());
        assert_eq!(set.constraints.donor_source, Some(DonorSource::Allogeneic));
        assert_eq!(set.constraints.modalities, [Modality::CarT]);
        assert_eq!(
            set.constraints.gene_modification,
            [GeneModificationMethod::GeneEditing]
        );
        let mut open = program();
        open.requirements.constraints.modalities = vec![Modality::Nk, Modality::CarT];
        open.product.gene_modification = GeneModificationMethod::None;
        let set = effective_requirements(&open);
        assert_eq!(
            set.constraints.modalities,
            [Modality::Nk, Modality::CarT],
            "the sponsor's own list stands"
        );
        assert!(
            set.constraints.gene_modification.is_empty(),
            "unmodified cells need no method"
        );
    }

    #[test]
    fn programmes_are_normalised_and_errors_are_nested_under_their_field() {
        let valid = ValidProgram::parse(program()).unwrap();
        assert_eq!(valid.program.name, "Allo CAR-T pivotal");
        assert_eq!(valid.program.target_markets, ["US", "FR"]);
        let mut bad = program();
        bad.target_markets = vec!["USA".into()];
        bad.requirements.criteria[0].weight = -2.0;
        let fields: Vec<String> = ValidProgram::parse(bad)
            .unwrap_err()
            .into_iter()
            .map(|v| v.field)
            .collect();
        assert_eq!(
            fields,
            ["target_markets[0]", "requirements.criteria[0].weight"]
        );
    }
}
