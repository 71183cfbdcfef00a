//! `accord seed`: generated companies, people and timelines, for trying
//! Accord and for measuring it at scale. Reproducible: the same `--seed`
//! gives the same data.

use app::domain::{
    CallOutcome, CompanySize, Direction, EmailAddress, EmailKind, InteractionKind, LegalBasis,
    PersonKind, PersonStatus, PhoneNumber, Purpose, Source,
};
use app::server::storage::{
    NewCompanyRecord, NewInteraction, NewPersonRecord, NewPipelineDeal, Storage,
};
use std::io::Write;
use std::time::Instant;

/// People per transaction: large enough that commits are not the cost,
/// small enough that other writers are not held up long.
const BATCH: usize = 2_000;

const FIRST_NAMES: &[&str] = &[
    "Camille",
    "Léa",
    "Manon",
    "Chloé",
    "Inès",
    "Jade",
    "Louise",
    "Emma",
    "Hélène",
    "Zoé",
    "Élodie",
    "Margaux",
    "Anaïs",
    "Céline",
    "Noémie",
    "Gaëlle",
    "Sophie",
    "Claire",
    "Maëlle",
    "Agnès",
    "Lucas",
    "Hugo",
    "Louis",
    "Gabriel",
    "Arthur",
    "Jules",
    "Théo",
    "Raphaël",
    "Noé",
    "Étienne",
    "François",
    "Jérôme",
    "Benoît",
    "Cédric",
    "Loïc",
    "Mathéo",
    "Grégoire",
    "Thomas",
    "Nicolas",
    "Julien",
    "Maximilian",
    "Sofia",
    "Giulia",
    "Lukas",
    "Marta",
    "Joaquín",
    "Zoë",
    "Björn",
    "Siobhán",
    "Małgorzata",
];

const LAST_NAMES: &[&str] = &[
    "Martin",
    "Bernard",
    "Dubois",
    "Thomas",
    "Robert",
    "Richard",
    "Petit",
    "Durand",
    "Leroy",
    "Moreau",
    "Simon",
    "Laurent",
    "Lefèvre",
    "Michel",
    "Garcia",
    "David",
    "Bertrand",
    "Roux",
    "Vincent",
    "Fournier",
    "Morel",
    "Girard",
    "André",
    "Lefebvre",
    "Mercier",
    "Dupont",
    "Lambert",
    "Bonnet",
    "François",
    "Martinez",
    "Legrand",
    "Garnier",
    "Faure",
    "Rousseau",
    "Blanc",
    "Guérin",
    "Muller",
    "Henry",
    "Roussel",
    "Nicolas",
    "Perrin",
    "Morin",
    "Mathieu",
    "Clément",
    "Gauthier",
    "Dumont",
    "Lopez",
    "Fontaine",
    "Chevalier",
    "Robin",
    "Müller",
    "Schmidt",
    "Rossi",
    "Fernández",
    "O'Connor",
    "Kowalski",
    "Janssen",
    "Nowak",
    "Silva",
    "Lindqvist",
];

/// Company names: a trade and a family or place name.
const TRADES: &[&str] = &[
    "Boulangerie",
    "Transports",
    "Menuiserie",
    "Cabinet",
    "Laboratoires",
    "Éditions",
    "Imprimerie",
    "Garage",
    "Atelier",
    "Hôtel",
    "Pharmacie",
    "Conseil",
    "Logistique",
    "Bâtiment",
    "Agence",
    "Studio",
    "Clinique",
    "Brasserie",
    "Électricité",
    "Informatique",
];

const PLACES: &[&str] = &[
    "Lyon",
    "Nantes",
    "Rennes",
    "Lille",
    "Bordeaux",
    "Grenoble",
    "Besançon",
    "Orléans",
    "Nîmes",
    "Béziers",
    "Liège",
    "Genève",
    "Köln",
    "Málaga",
    "Porto",
];

const SECTORS: &[&str] = &[
    "Industrie",
    "Commerce",
    "Santé",
    "BTP",
    "Transport",
    "Services aux entreprises",
    "Hôtellerie-restauration",
    "Numérique",
];

const STREETS: &[&str] = &[
    "rue de la République",
    "avenue Jean Jaurès",
    "place du Marché",
    "boulevard Victor Hugo",
    "rue des Écoles",
    "chemin des Vignes",
];

const NOTES: &[&str] = &[
    "Intéressé par l’offre annuelle, rappeler après le comité de direction.",
    "Demande une démonstration pour son équipe.",
    "Budget validé pour le prochain trimestre.",
    "Pas de besoin pour l’instant ; reprendre contact en septembre.",
    "A comparé avec deux concurrents, sensible au prix.",
    "Souhaite recevoir la documentation technique.",
    "Very keen on the GDPR features, asked for the DPA.",
    "Follow up with the pricing for 25 seats.",
    "",
];

const JOBS: &[&str] = &[
    "Directrice achats",
    "Responsable informatique",
    "Gérant",
    "Office manager",
    "DAF",
    "Head of Sales",
    "Chef de projet",
    "Responsable marketing",
    "",
];

/// A small, fast, reproducible generator (SplitMix64).
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Lower-case ASCII for an e-mail local part.
fn ascii(name: &str) -> String {
    app::domain::search::fold(name)
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .collect()
}

/// How much to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub contacts: usize,
    pub companies: usize,
    pub interactions: usize,
    /// Open deals, spread over the open stages of the first pipeline
    /// (the default one is created if there is none).
    pub deals: usize,
}

impl Plan {
    /// `accord seed --demo`: a few hundred people and companies with their
    /// timelines, enough for a new user to see a working CRM.
    pub const DEMO: Plan = Plan {
        contacts: 300,
        companies: 60,
        interactions: 1_500,
        deals: 80,
    };
}

fn progress(what: &str, done: usize, count: usize, started: Instant) {
    let rate = done as f64 / started.elapsed().as_secs_f64().max(0.001);
    let width = 30;
    let filled = (done * width).checked_div(count).unwrap_or(width);
    eprint!(
        "\r{what:<13} [{}{}] {done}/{count} ({rate:.0}/s)   ",
        "#".repeat(filled),
        " ".repeat(width - filled)
    );
    let _ = std::io::stderr().flush();
}

/// Generates the plan's companies, then people (professionals at those
/// companies, consumers without), then timeline entries spread over the
/// people; owned by the existing users, in the existing teams (four are
/// created if there are none). Prints a progress bar and the rate.
pub async fn run(storage: &Storage, plan: Plan, seed: u64) -> Result<(), String> {
    let users = storage.users.list().await.map_err(|e| e.to_string())?;
    if users.is_empty() {
        return Err(
            "create a user first (accord user create …): seeded records need an owner".into(),
        );
    }
    let mut teams: Vec<i64> = storage
        .teams
        .list()
        .await
        .map_err(|e| e.to_string())?
        .iter()
        .map(|t| t.id)
        .collect();
    if teams.is_empty() {
        for name in ["Nord", "Sud", "Est", "Ouest"] {
            if let Ok(team) = storage.teams.create(name).await {
                teams.push(team.id);
            }
        }
    }
    let mut rng = Rng(seed);
    let all_started = Instant::now();
    let now = chrono::Utc::now();
    // The list orders' indexes are built once at the end rather than row
    // by row (see `BulkLoadStore`); if this stops half-way, the next start
    // builds them.
    storage
        .bulk_load
        .suspend_read_indexes()
        .await
        .map_err(|e| e.to_string())?;

    // Companies.
    let started = Instant::now();
    let mut companies: Vec<(i64, String, i64, Option<i64>)> = Vec::with_capacity(plan.companies);
    let mut done = 0;
    while done < plan.companies {
        let size = BATCH.min(plan.companies - done);
        let batch: Vec<NewCompanyRecord> = (0..size)
            .map(|i| {
                let n = done + i;
                let trade = rng.pick(TRADES);
                let name = if rng.below(2) == 0 {
                    format!("{trade} {}", rng.pick(LAST_NAMES))
                } else {
                    format!("{trade} de {}", rng.pick(PLACES))
                };
                let domain = format!("{}{n}.fr", ascii(&name));
                let owner = &users[rng.below(users.len())];
                NewCompanyRecord {
                    name,
                    legal_id: String::new(),
                    domain,
                    sector: rng.pick(SECTORS).to_string(),
                    size: Some(CompanySize::ALL[rng.below(CompanySize::ALL.len())]),
                    address: format!(
                        "{} {}, {}",
                        1 + rng.below(120),
                        rng.pick(STREETS),
                        rng.pick(PLACES)
                    ),
                    owner_id: owner.id,
                    team_id: (!teams.is_empty()).then(|| teams[rng.below(teams.len())]),
                }
            })
            .collect();
        let ids = storage
            .companies
            .create_many(&batch)
            .await
            .map_err(|e| e.to_string())?;
        companies.extend(
            ids.into_iter()
                .zip(batch)
                .map(|(id, c)| (id, c.domain, c.owner_id, c.team_id)),
        );
        done += size;
        progress("companies", done, plan.companies, started);
    }
    if plan.companies > 0 {
        eprintln!();
    }

    // People.
    let started = Instant::now();
    let mut people: Vec<(i64, Option<i64>)> = Vec::with_capacity(plan.contacts);
    let mut done = 0;
    while done < plan.contacts {
        let size = BATCH.min(plan.contacts - done);
        let batch: Vec<NewPersonRecord> = (0..size)
            .map(|_| {
                let first = rng.pick(FIRST_NAMES);
                let last = rng.pick(LAST_NAMES);
                let company = (!companies.is_empty() && rng.below(5) != 0)
                    .then(|| &companies[rng.below(companies.len())]);
                let kind = if company.is_some() {
                    PersonKind::B2b
                } else {
                    PersonKind::B2c
                };
                // As people's addresses are: first.last at the company's
                // own domain; consumers at a webmail, with a number. Two
                // namesakes at one company share an address, which no
                // table forbids; unique local parts (`dupont48213`) would
                // give search a million distinct words real data does not
                // have.
                let address = match company {
                    Some(c) => format!("{}.{}@{}", ascii(first), ascii(last), c.1),
                    None => format!(
                        "{}.{}{}@gmail.com",
                        ascii(first),
                        ascii(last),
                        rng.below(100)
                    ),
                };
                let email = EmailAddress::parse(&address).expect("generated addresses are valid");
                let phone = PhoneNumber::parse(&format!("+336{:08}", rng.below(100_000_000)))
                    .expect("generated numbers are valid");
                // A professional usually belongs to the company's owner.
                let (owner_id, team_id) = match company {
                    Some(c) if rng.below(4) != 0 => (c.2, c.3),
                    _ => (
                        users[rng.below(users.len())].id,
                        (!teams.is_empty()).then(|| teams[rng.below(teams.len())]),
                    ),
                };
                NewPersonRecord {
                    language: None,
                    first_name: first.to_string(),
                    last_name: last.to_string(),
                    kind,
                    job_title: match kind {
                        PersonKind::B2b => rng.pick(JOBS).to_string(),
                        PersonKind::B2c => String::new(),
                    },
                    status: [
                        PersonStatus::Prospect,
                        PersonStatus::Lead,
                        PersonStatus::Customer,
                        PersonStatus::FormerCustomer,
                    ][rng.below(4)],
                    owner_id,
                    team_id,
                    company_id: company.map(|c| c.0),
                    source: if rng.below(3) == 0 {
                        Source::Import
                    } else {
                        Source::Manual
                    },
                    // Within the retention period (three years): a new instance's
                    // daily retention run has nobody to erase in its demo.
                    collected_at: now - chrono::Duration::days(rng.below(1000) as i64),
                    entered_by: Some(owner_id),
                    supplier: String::new(),
                    contract_ref: String::new(),
                    emails: vec![(email.clone(), EmailKind::detect(&email))],
                    phones: vec![phone],
                    legal_bases: vec![(
                        Purpose::Prospecting,
                        match kind {
                            PersonKind::B2b => LegalBasis::LegitimateInterest,
                            PersonKind::B2c => LegalBasis::Consent,
                        },
                    )],
                }
            })
            .collect();
        let ids = storage
            .people
            .create_many(&batch)
            .await
            .map_err(|e| e.to_string())?;
        people.extend(ids.into_iter().zip(batch.iter().map(|p| p.company_id)));
        done += size;
        progress("people", done, plan.contacts, started);
    }
    if plan.contacts > 0 {
        eprintln!();
    }
    // Timelines.
    let started = Instant::now();
    let mut done = 0;
    let plan_interactions = if people.is_empty() {
        0
    } else {
        plan.interactions
    };
    // People in order, each with a random share (0 to twice the mean):
    // the timeline index then grows at its end instead of everywhere,
    // which keeps seeding millions of entries fast.
    let mean = plan_interactions.div_ceil(people.len().max(1));
    let mut cursor = 0usize;
    let mut left_for_current = 0usize;
    while done < plan_interactions {
        let size = (BATCH * 2).min(plan_interactions - done);
        let batch: Vec<NewInteraction> = (0..size)
            .map(|_| {
                while left_for_current == 0 {
                    cursor = (cursor + 1) % people.len();
                    left_for_current = rng.below(2 * mean + 1);
                }
                left_for_current -= 1;
                let (person_id, company_id) = people[cursor];
                let kind = match rng.below(10) {
                    0..=3 => InteractionKind::Call,
                    4..=5 => InteractionKind::Email,
                    6 => InteractionKind::Meeting,
                    7..=8 => InteractionKind::Note,
                    _ => InteractionKind::Task,
                };
                let direction = matches!(kind, InteractionKind::Call | InteractionKind::Email)
                    .then(|| {
                        if rng.below(3) == 0 {
                            Direction::Inbound
                        } else {
                            Direction::Outbound
                        }
                    });
                let occurred_at =
                    now - chrono::Duration::minutes(rng.below(3 * 365 * 24 * 60) as i64);
                let owner = &users[rng.below(users.len())];
                NewInteraction {
                    person_id: Some(person_id),
                    company_id,
                    kind,
                    direction,
                    outcome: (kind == InteractionKind::Call)
                        .then(|| CallOutcome::ALL[rng.below(CallOutcome::ALL.len())]),
                    duration_minutes: (kind == InteractionKind::Call).then(|| rng.below(45) as u32),
                    body: rng.pick(NOTES).to_string(),
                    occurred_at,
                    author_id: owner.id,
                    due_at: (kind == InteractionKind::Task)
                        .then(|| occurred_at + chrono::Duration::days(7)),
                    assignee_id: (kind == InteractionKind::Task).then_some(owner.id),
                }
            })
            .collect();
        storage
            .interactions
            .add_many(&batch)
            .await
            .map_err(|e| e.to_string())?;
        done += size;
        progress("interactions", done, plan_interactions, started);
    }
    if plan_interactions > 0 {
        eprintln!();
    }
    deals(
        storage, &plan, &people, &companies, &users, &teams, &mut rng,
    )
    .await?;
    let started = Instant::now();
    storage
        .bulk_load
        .restore_read_indexes()
        .await
        .map_err(|e| e.to_string())?;
    eprintln!(
        "list indexes built in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    crate::startup::announce(&format!(
        "Seeded {} companies, {} people, {plan_interactions} interactions and {} deals in {:.1} s (seed {seed}).",
        plan.companies,
        plan.contacts,
        plan.deals,
        all_started.elapsed().as_secs_f64()
    ));
    Ok(())
}

/// What deals are about.
/// Where seeded deals came from.
const DEAL_ORIGINS: &[&str] = &[
    "Site web",
    "Recommandation",
    "Salon professionnel",
    "Appel entrant",
    "Partenaire",
];

const DEAL_SUBJECTS: &[&str] = &[
    "Licences annuelles",
    "Renouvellement",
    "Extension de contrat",
    "Formation des équipes",
    "Audit",
    "Maintenance",
    "Équipement",
    "Accompagnement",
    "Pilote",
    "Déploiement",
];

/// Open deals over the open stages of the first pipeline, more of them in
/// the early stages (as a real funnel), on the seeded people and companies.
async fn deals(
    storage: &Storage,
    plan: &Plan,
    people: &[(i64, Option<i64>)],
    companies: &[(i64, String, i64, Option<i64>)],
    users: &[app::server::storage::UserRecord],
    teams: &[i64],
    rng: &mut Rng,
) -> Result<(), String> {
    if plan.deals == 0 {
        return Ok(());
    }
    let pipelines = app::server::pipelines::ensure_default(storage, app::i18n::Locale::Fr)
        .await
        .map_err(|e| e.to_string())?;
    let open: Vec<i64> = pipelines[0]
        .stages
        .iter()
        .filter(|s| s.kind == app::domain::StageKind::Open && !s.archived)
        .map(|s| s.id)
        .collect();
    if open.is_empty() {
        return Err("the first pipeline has no open stage".into());
    }
    let names: std::collections::HashMap<i64, &str> = companies
        .iter()
        .map(|(id, name, ..)| (*id, name.as_str()))
        .collect();
    let started = Instant::now();
    let today = chrono::Utc::now().date_naive();
    let mut done = 0;
    while done < plan.deals {
        let size = (BATCH * 2).min(plan.deals - done);
        let batch: Vec<NewPipelineDeal> = (0..size)
            .map(|_| {
                // Stage i has weight (n - i): the funnel narrows.
                let n = open.len();
                let mut pick = rng.below(n * (n + 1) / 2);
                let mut stage = 0;
                while pick >= n - stage {
                    pick -= n - stage;
                    stage += 1;
                }
                let (person_id, company_id) = if people.is_empty() {
                    (None, None)
                } else {
                    let (p, c) = people[rng.below(people.len())];
                    (Some(p), c)
                };
                let company_name = company_id.and_then(|c| names.get(&c).copied());
                let subject = rng.pick(DEAL_SUBJECTS);
                let owner = &users[rng.below(users.len())];
                // 500 € to 200,000 €, most of them small.
                let amount = 500 + rng.below(20) * rng.below(10_000);
                NewPipelineDeal {
                    title: match company_name {
                        Some(name) => format!("{subject} — {name}"),
                        None => subject.to_string(),
                    },
                    amount_cents: amount as i64 * 100,
                    currency: if rng.below(20) == 0 { "CHF" } else { "EUR" }.into(),
                    stage_id: open[stage],
                    probability: None,
                    person_id,
                    company_id,
                    owner_id: owner.id,
                    team_id: (!teams.is_empty()).then(|| teams[rng.below(teams.len())]),
                    // Where the deal came from, as a salesperson types it;
                    // from the amount, so that the random sequence (and
                    // with it every other figure of a seed) stays the same.
                    source: DEAL_ORIGINS[amount % DEAL_ORIGINS.len()].into(),
                    expected_close: Some(
                        today + chrono::Duration::days(rng.below(180) as i64 - 30),
                    ),
                }
            })
            .collect();
        storage
            .pipelines
            .create_deals(&batch)
            .await
            .map_err(|e| e.to_string())?;
        done += size;
        progress("deals", done, plan.deals, started);
    }
    eprintln!();
    Ok(())
}
