//! `accord seed`: generated people for trying Accord and for measuring it
//! at scale. Reproducible: the same `--seed` gives the same data.

use app::domain::{
    EmailAddress, EmailKind, LegalBasis, PersonKind, PersonStatus, PhoneNumber, Purpose, Source,
};
use app::server::storage::{NewPersonRecord, Storage};
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

const DOMAINS: &[&str] = &[
    "acme.fr",
    "exemple.fr",
    "societe.eu",
    "industrie.de",
    "conseil.fr",
    "logistique.fr",
    "btp-ouest.fr",
    "santeplus.fr",
    "agritech.eu",
    "nordmedia.be",
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

/// Generates `count` people owned by the existing users, in the existing
/// teams, and stores them in batches, printing progress and the rate.
pub async fn people(storage: &Storage, count: usize, seed: u64) -> Result<(), String> {
    let users = storage.users.list().await.map_err(|e| e.to_string())?;
    if users.is_empty() {
        return Err(
            "create a user first (accord user create …): seeded people need an owner".into(),
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
    let started = Instant::now();
    let now = chrono::Utc::now();
    let mut done = 0;
    while done < count {
        let size = BATCH.min(count - done);
        let batch: Vec<NewPersonRecord> = (0..size)
            .map(|i| {
                let first = rng.pick(FIRST_NAMES);
                let last = rng.pick(LAST_NAMES);
                let kind = if rng.below(5) == 0 {
                    PersonKind::B2c
                } else {
                    PersonKind::B2b
                };
                let domain = match kind {
                    PersonKind::B2b => rng.pick(DOMAINS),
                    PersonKind::B2c => "gmail.com",
                };
                let address = format!("{}.{}{}@{domain}", ascii(first), ascii(last), done + i);
                let email = EmailAddress::parse(&address).expect("generated addresses are valid");
                let phone = PhoneNumber::parse(&format!("+336{:08}", rng.below(100_000_000)))
                    .expect("generated numbers are valid");
                let owner = &users[rng.below(users.len())];
                NewPersonRecord {
                    first_name: first.to_string(),
                    last_name: last.to_string(),
                    kind,
                    job_title: rng.pick(JOBS).to_string(),
                    status: [
                        PersonStatus::Prospect,
                        PersonStatus::Lead,
                        PersonStatus::Customer,
                        PersonStatus::FormerCustomer,
                    ][rng.below(4)],
                    owner_id: owner.id,
                    team_id: (!teams.is_empty()).then(|| teams[rng.below(teams.len())]),
                    source: if rng.below(3) == 0 {
                        Source::Import
                    } else {
                        Source::Manual
                    },
                    collected_at: now - chrono::Duration::days(rng.below(1500) as i64),
                    entered_by: Some(owner.id),
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
        storage
            .people
            .create_many(&batch)
            .await
            .map_err(|e| e.to_string())?;
        done += size;
        let rate = done as f64 / started.elapsed().as_secs_f64().max(0.001);
        eprint!("\rseeded {done}/{count} people ({rate:.0}/s)   ");
        let _ = std::io::stderr().flush();
    }
    eprintln!();
    crate::startup::announce(&format!(
        "Seeded {count} people in {:.1} s (seed {seed}).",
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}
