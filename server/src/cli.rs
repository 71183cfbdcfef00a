//! Command-line interface of the `accord` binary.

use clap::{Parser, Subcommand};

/// Accord: a self-hosted CRM, GDPR-compliant by construction.
///
/// Settings come from environment variables (see the README); `DATABASE_URL`
/// chooses the database (`sqlite://data/accord.db` by default).
#[derive(Debug, Parser)]
#[command(name = "accord", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand, Default, Clone, PartialEq, Eq)]
pub enum Command {
    /// Migrate the database, then serve the web app (the default).
    #[default]
    Serve,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Manage user accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage teams.
    #[command(subcommand)]
    Team(TeamCommand),
    /// The consent ledger: verify its hash chain, rebuild the current
    /// state from it.
    #[command(subcommand)]
    Consent(ConsentCommand),
    /// The retention clock (CNIL defaults: prospects three years from
    /// collection or their last inbound contact, former customers three
    /// years from the end of the relationship).
    #[command(subcommand)]
    Retention(RetentionCommand),
    /// Fill the database with generated companies, people and their
    /// timelines (to try Accord, or to measure it at scale). Needs at least
    /// one user, who owns them.
    Seed {
        /// How many people to generate.
        #[arg(long, default_value_t = 300)]
        contacts: usize,
        /// How many companies (the professionals work at them).
        #[arg(long, default_value_t = 60)]
        companies: usize,
        /// How many timeline entries (calls, meetings, e-mails, notes,
        /// tasks), spread over the people.
        #[arg(long, default_value_t = 1_500)]
        interactions: usize,
        /// How many open deals, over the stages of the first pipeline
        /// (the default pipeline is created if there is none).
        #[arg(long, default_value_t = 80)]
        deals: usize,
        /// A small, lively data set for a first look (the defaults above):
        /// overrides the four counts.
        #[arg(long)]
        demo: bool,
        /// The generator's seed: the same seed gives the same data.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Debug, Subcommand, Clone, PartialEq, Eq)]
pub enum ConsentCommand {
    /// Walk the whole ledger: every row must follow the one before and
    /// match its hash. Prints the count and the head hash, or the first
    /// broken row and exits with status 1.
    Verify,
    /// Rebuild everyone's current consents from the ledger (the ledger is
    /// the truth; the current-state table is derived from it).
    Rebuild,
}

#[derive(Debug, Subcommand, Clone, PartialEq, Eq)]
pub enum RetentionCommand {
    /// Anonymise everyone whose retention period is over (people under a
    /// legal hold are listed and kept). The run is logged.
    Run {
        /// List who would be erased, and why, without changing anything.
        #[arg(long)]
        dry_run: bool,
        /// Evaluate the policy as of this day (YYYY-MM-DD) instead of
        /// today: for audits, planning, tests.
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
    },
}

/// `accord retention run [--dry-run] [--as-of YYYY-MM-DD]`.
pub async fn retention(
    storage: &app::server::storage::Storage,
    command: RetentionCommand,
    public_url: &str,
) -> Result<(), String> {
    use app::domain::retention::RetentionPolicy;
    let RetentionCommand::Run { dry_run, as_of } = command;
    let as_of = as_of.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let started = std::time::Instant::now();
    let report = crate::privacy::retention::run(
        storage,
        RetentionPolicy::CNIL,
        as_of,
        dry_run,
        None,
        public_url,
        |done| {
            let rate = done as f64 / started.elapsed().as_secs_f64().max(0.001);
            eprint!("\rretention run: {done} people handled ({rate:.0}/s)   ");
        },
    )
    .await
    .map_err(|e| format!("the retention run stopped: {e}"))?;
    eprintln!();
    let mut out = String::new();
    for person in &report.due {
        let since = person.since.format("%Y-%m-%d");
        let rule = person.rule.key();
        if !person.legal_hold.is_empty() {
            out.push_str(&format!(
                "kept      person {}: {rule}, clock from {since}; legal hold: {}\n",
                person.id, person.legal_hold
            ));
        } else if dry_run {
            out.push_str(&format!(
                "would erase person {}: {rule}, clock from {since}\n",
                person.id
            ));
        }
    }
    for person in &report.asked {
        out.push_str(&format!(
            "{} person {}: {}, clock from {}, limit {}\n",
            if dry_run { "would ask" } else { "asked    " },
            person.id,
            person.rule.key(),
            person.since.format("%Y-%m-%d"),
            RetentionPolicy::CNIL
                .limit_of(person.rule, person.since)
                .format("%Y-%m-%d"),
        ));
    }
    let verb = if dry_run { "would be erased" } else { "erased" };
    let asked = if dry_run { "would be asked" } else { "asked" };
    out.push_str(&format!(
        "Retention run {} as of {}{}: {} due, {} {verb}, {} kept under a legal hold; {} {asked} whether they still want to hear from us ({:.1} s)",
        report.run_id,
        report.as_of,
        if dry_run {
            " (dry run, nothing changed)"
        } else {
            ""
        },
        report.due.len(),
        if dry_run {
            report.due.len() - report.held
        } else {
            report.erased
        },
        report.held,
        report.asked.len(),
        started.elapsed().as_secs_f64()
    ));
    crate::startup::announce(&out);
    Ok(())
}

/// `accord consent verify|rebuild`.
pub async fn consent(
    storage: &app::server::storage::Storage,
    command: ConsentCommand,
) -> Result<(), String> {
    use crate::consent::chain::{Verdict, verify};
    match command {
        ConsentCommand::Verify => match verify(storage.consent.as_ref()).await {
            Ok(Verdict::Intact { rows, head }) => {
                crate::startup::announce(&format!(
                    "Consent ledger OK: {rows} rows, chain head {head}"
                ));
                Ok(())
            }
            Ok(Verdict::Broken { id, reason }) => Err(format!(
                "consent ledger BROKEN at row {id}: {reason}; the rows from there on cannot be trusted"
            )),
            Err(e) => Err(format!("cannot read the consent ledger: {e}")),
        },
        ConsentCommand::Rebuild => match storage.consent.rebuild_state().await {
            Ok(rows) => {
                crate::startup::announce(&format!(
                    "Current consents rebuilt from the ledger: {rows} person and purpose pairs"
                ));
                Ok(())
            }
            Err(e) => Err(format!("cannot rebuild the current consents: {e}")),
        },
    }
}

#[derive(Debug, Subcommand, Clone, PartialEq, Eq)]
pub enum TeamCommand {
    /// Create a team (if no team has this name yet).
    Create {
        /// The team's name.
        #[arg(long)]
        name: String,
    },
    /// Add a user to a team.
    Add {
        /// The team's name.
        #[arg(long)]
        team: String,
        /// The user's e-mail address.
        #[arg(long)]
        email: String,
    },
}

/// `accord team create|add`: for scripted installs (and the browser
/// tests); Settings → Teams does the same.
pub async fn team(
    storage: &app::server::storage::Storage,
    command: TeamCommand,
) -> Result<(), String> {
    use app::domain::{DisplayName, EmailAddress};
    use app::server::storage::StorageError;
    let t = app::i18n::Locale::En.t();
    match command {
        TeamCommand::Create { name } => {
            let name =
                DisplayName::parse(&name).map_err(|p| format!("--name: {}", p.message(t)))?;
            match storage.teams.create(name.as_str()).await {
                Ok(team) => crate::startup::announce(&format!(
                    "Team {} created (id {}).",
                    team.name, team.id
                )),
                Err(StorageError::Conflict(_)) => {
                    crate::startup::announce(&format!("Team {name} already exists."))
                }
                Err(e) => return Err(format!("cannot create the team: {e}")),
            }
            Ok(())
        }
        TeamCommand::Add { team, email } => {
            let teams = storage.teams.list().await.map_err(|e| e.to_string())?;
            let team = teams
                .into_iter()
                .find(|t| t.name.eq_ignore_ascii_case(team.trim()))
                .ok_or_else(|| format!("--team: no team called {team}"))?;
            let address =
                EmailAddress::parse(&email).map_err(|p| format!("--email: {}", p.message(t)))?;
            let user = storage
                .users
                .find_by_email(&address)
                .await
                .map_err(|e| e.to_string())?
                .ok_or_else(|| format!("--email: no user with the address {address}"))?;
            storage
                .teams
                .add_member(team.id, user.id)
                .await
                .map_err(|e| format!("cannot add the member: {e}"))?;
            crate::startup::announce(&format!("{address} is in team {}.", team.name));
            Ok(())
        }
    }
}

#[derive(Debug, Subcommand, Clone, PartialEq, Eq)]
pub enum UserCommand {
    /// Create a user. The password is prompted for, or read from the first
    /// line of standard input when it is not a terminal.
    Create(CreateUser),
}

#[derive(Debug, clap::Args, Clone, PartialEq, Eq)]
pub struct CreateUser {
    /// E-mail address, used to sign in.
    #[arg(long)]
    pub email: String,
    /// admin, manager, sales, marketing, dpo or readonly.
    #[arg(long)]
    pub role: String,
    /// Name shown in the interface (defaults to the part of the address before @).
    #[arg(long)]
    pub name: Option<String>,
}

/// `accord user create`: same rules as the web forms.
pub async fn create_user(
    storage: &app::server::storage::Storage,
    args: CreateUser,
) -> Result<(), String> {
    use app::domain::{DisplayName, EmailAddress, Role};
    use app::server::auth::password::{check_new_password, hash_blocking, off_runtime};
    use app::server::storage::{NewUser, StorageError};
    use std::io::IsTerminal;

    let t = app::i18n::Locale::En.t();
    let email =
        EmailAddress::parse(&args.email).map_err(|p| format!("--email: {}", p.message(t)))?;
    let role = Role::parse(&args.role).map_err(|_| {
        format!(
            "--role: {:?} is not a role; use one of {}",
            args.role,
            Role::ALL.map(Role::as_str).join(", ")
        )
    })?;
    let default_name = email
        .as_str()
        .split('@')
        .next()
        .unwrap_or("user")
        .to_string();
    let name = DisplayName::parse(args.name.as_deref().unwrap_or(&default_name))
        .map_err(|p| format!("--name: {}", p.message(t)))?;

    let password = if std::io::stdin().is_terminal() {
        let first = rpassword::prompt_password("Password: ")
            .map_err(|e| format!("cannot read the password: {e}"))?;
        let again = rpassword::prompt_password("Password again: ")
            .map_err(|e| format!("cannot read the password: {e}"))?;
        check_new_password(&first, Some(&again))
            .map_err(|p| format!("password: {}", p.message(t)))?;
        first
    } else {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
        let password = line.trim_end_matches(['\n', '\r']).to_string();
        check_new_password(&password, None).map_err(|p| format!("password: {}", p.message(t)))?;
        password
    };
    let hash = off_runtime(move || hash_blocking(&password))
        .await
        .and_then(|r| r)
        .map_err(|e| format!("password hashing failed: {e}"))?;
    let user = storage
        .users
        .create(&NewUser {
            email,
            display_name: name.to_string(),
            role,
            password_hash: hash,
        })
        .await
        .map_err(|e| match e {
            StorageError::Conflict(_) => format!(
                "a user with the address {} already exists",
                args.email.trim()
            ),
            other => format!("cannot create the user: {other}"),
        })?;
    println!(
        "Created {} user {} (id {}).",
        role.as_str(),
        user.email,
        user.id
    );
    Ok(())
}
