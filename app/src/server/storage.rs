//! The storage contract. Object-safe traits, held as `Arc<dyn …>` because
//! server functions cannot be generic; one implementation per backend lives
//! in the `server` crate and both run the same contract tests.

use crate::domain::{
    BoardColumn, CallOutcome, CompanySize, CompanySummary, DealCard, DealDetail, DealMove,
    DealMoved, Direction, EmailAddress, EmailKind, InteractionKind, InteractionView, LeadStatus,
    LeadSummary, LegalBasis, Organisation, OrganisationName, PeopleSort, PersonKind, PersonStatus,
    PersonSummary, PhoneNumber, Pipeline, Purpose, RecordDeal, Role, Source, StageKind,
    TimelineCursor,
};
use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use std::sync::Arc;

mod archive;
mod consent;
mod privacy;
pub use archive::{AccessEntry, ArchiveData, ArchiveStore, ArchiveTable, Download, NewArchive};
pub use consent::{
    ConsentStore, Evidence, LedgerRow, LinkState, NewSubmission, OutboxMail, OutgoingMail,
    ProofData, ProofForm, ProofText, RateCount, Recorded, Submitted,
};
pub use privacy::{
    Approaching, DuePerson, Erased, ErasureReason, NewRequest, PrivacyStore, Received, Reminder,
    ReminderMail, RepermissionAsk, RepermissionLink, RequestLink, RetentionRun,
};

/// A storage failure. The text is for logs only: server functions turn any
/// of these into an opaque `AppError::Internal` with a request id.
#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    /// The database cannot be reached or refused the connection.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A row that must exist is missing (for example an unmigrated database).
    #[error("missing row: {0}")]
    Missing(String),
    /// A unique value (such as an e-mail address) is already taken.
    #[error("conflict: {0}")]
    Conflict(String),
    /// A stored value no longer passes the domain's validation.
    #[error("stored value is invalid: {0}")]
    Corrupt(String),
    /// Any other database error.
    #[error("database error: {0}")]
    Database(String),
}

/// Which database engine is behind the storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// The organisation using this instance (a single row).
#[async_trait]
pub trait OrganisationStore: Send + Sync {
    async fn get(&self) -> Result<Organisation, StorageError>;
    async fn rename(&self, name: &OrganisationName) -> Result<Organisation, StorageError>;
}

/// Liveness of the database, for `/readyz`.
#[async_trait]
pub trait HealthStore: Send + Sync {
    async fn ping(&self) -> Result<(), StorageError>;
}

/// Bulk loads (`accord seed`, imports): the indexes that only serve reads
/// (list orders) are dropped for the load and built once after it, which
/// is several times faster than maintaining them row by row. Their
/// definitions are kept in the database meanwhile, so an interrupted load
/// gets them back at the next start (`restore_read_indexes` runs on open).
#[async_trait]
pub trait BulkLoadStore: Send + Sync {
    /// Drops the read-only indexes, remembering their definitions.
    async fn suspend_read_indexes(&self) -> Result<(), StorageError>;
    /// Builds again every suspended index; returns how many.
    async fn restore_read_indexes(&self) -> Result<usize, StorageError>;
}

/// A user as stored. Holds the password hash: deliberately not
/// `Serialize`, so it cannot be sent to a browser by mistake.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: i64,
    pub email: EmailAddress,
    pub display_name: String,
    pub role: Role,
    pub active: bool,
    pub password_hash: String,
    pub created_at: DateTime<Utc>,
}

/// What creating a user needs.
#[derive(Debug, Clone)]
pub struct NewUser {
    pub email: EmailAddress,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
}

/// The people who sign in.
#[async_trait]
pub trait UserStore: Send + Sync {
    async fn count(&self) -> Result<u64, StorageError>;
    /// `Conflict` when the address (case-insensitively) is taken.
    async fn create(&self, user: &NewUser) -> Result<UserRecord, StorageError>;
    async fn find_by_email(&self, email: &EmailAddress)
    -> Result<Option<UserRecord>, StorageError>;
    async fn get(&self, id: i64) -> Result<Option<UserRecord>, StorageError>;
    async fn set_password_hash(&self, id: i64, password_hash: &str) -> Result<(), StorageError>;
    /// Every user, by e-mail address.
    async fn list(&self) -> Result<Vec<UserRecord>, StorageError>;
    /// Activates or deactivates a user; false if there is no such user.
    async fn set_active(&self, id: i64, active: bool) -> Result<bool, StorageError>;
}

/// A signed-in browser. Only the SHA-256 of its token is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub token_hash: String,
    pub user_id: i64,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub client_addr: String,
    pub user_agent: String,
    /// The password was right but the second factor is still to be given:
    /// such a session opens nothing but the code form.
    pub second_factor_pending: bool,
}

/// A session found by its token, with what the session check needs to
/// know about its user's second factor.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundSession {
    pub session: SessionRecord,
    pub user: UserRecord,
    /// The user has a confirmed authenticator.
    pub has_second_factor: bool,
    /// The organisation requires one for administrators and DPOs.
    pub second_factor_required: bool,
}

/// Sessions, kept in the database so that they survive restarts and are
/// shared by every instance on PostgreSQL.
#[async_trait]
pub trait SessionStore: Send + Sync {
    async fn create(&self, session: &SessionRecord) -> Result<(), StorageError>;
    /// The session and its user, if the token hash is known.
    async fn find(&self, token_hash: &str) -> Result<Option<FoundSession>, StorageError>;
    async fn touch(&self, token_hash: &str, at: DateTime<Utc>) -> Result<(), StorageError>;
    async fn delete(&self, token_hash: &str) -> Result<(), StorageError>;
    /// Ends one of `user_id`'s sessions; false when no session of theirs
    /// has this hash (someone else's included).
    async fn delete_own(&self, user_id: i64, token_hash: &str) -> Result<bool, StorageError>;
    /// A user's sessions, most recently used first.
    async fn list_for_user(&self, user_id: i64) -> Result<Vec<SessionRecord>, StorageError>;
    /// Ends every session of a user; returns how many there were.
    async fn delete_for_user(&self, user_id: i64) -> Result<u64, StorageError>;
}

/// A user's authenticator app (TOTP) enrolment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecondFactorRecord {
    pub user_id: i64,
    pub secret: Vec<u8>,
    /// `None` while the enrolment waits for its first code.
    pub confirmed_at: Option<DateTime<Utc>>,
    /// The last time step whose code was accepted: a code is good once.
    pub last_used_step: i64,
    /// Shown with the QR code until the enrolment is confirmed; afterwards
    /// only their hashes are kept (in their own table).
    pub pending_recovery_codes: Vec<String>,
    pub created_at: DateTime<Utc>,
}

/// Second factors: authenticators, recovery codes, and the organisation's
/// rule that administrators and DPOs must have one.
#[async_trait]
pub trait SecondFactorStore: Send + Sync {
    async fn get(&self, user_id: i64) -> Result<Option<SecondFactorRecord>, StorageError>;
    /// Starts (or restarts) an enrolment with a new secret and recovery
    /// codes; false, changing nothing, when one is already confirmed.
    async fn begin(
        &self,
        user_id: i64,
        secret: &[u8],
        recovery_codes: &[String],
        at: DateTime<Utc>,
    ) -> Result<bool, StorageError>;
    /// Confirms a pending enrolment with the step of its first code, and
    /// replaces the plain recovery codes by these hashes, in one
    /// transaction; false when nothing was pending.
    async fn confirm(
        &self,
        user_id: i64,
        step: i64,
        recovery_code_hashes: &[String],
        at: DateTime<Utc>,
    ) -> Result<bool, StorageError>;
    /// Marks `step` used if it is later than the last used one (atomic:
    /// two requests with the same code cannot both pass); false otherwise.
    async fn use_step(&self, user_id: i64, step: i64) -> Result<bool, StorageError>;
    /// Spends a recovery code; false when unknown or already spent.
    async fn use_recovery_code(
        &self,
        user_id: i64,
        code_hash: &str,
        at: DateTime<Utc>,
    ) -> Result<bool, StorageError>;
    /// Recovery codes not yet spent.
    async fn unused_recovery_codes(&self, user_id: i64) -> Result<u32, StorageError>;
    /// Users with a confirmed authenticator.
    async fn enrolled_users(&self) -> Result<Vec<i64>, StorageError>;
    /// Removes the authenticator and the codes; false if there was none.
    async fn remove(&self, user_id: i64) -> Result<bool, StorageError>;
    async fn required_for_privileged(&self) -> Result<bool, StorageError>;
    async fn set_required_for_privileged(&self, required: bool) -> Result<(), StorageError>;
}

/// A team of users; records belong to one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TeamRecord {
    pub id: i64,
    pub name: String,
    pub created_at: DateTime<Utc>,
}

/// Teams and who is in them.
#[async_trait]
pub trait TeamStore: Send + Sync {
    /// `Conflict` when the name (case-insensitively) is taken.
    async fn create(&self, name: &str) -> Result<TeamRecord, StorageError>;
    /// Every team, by name.
    async fn list(&self) -> Result<Vec<TeamRecord>, StorageError>;
    /// Every membership, as (team, user).
    async fn memberships(&self) -> Result<Vec<(i64, i64)>, StorageError>;
    /// False when the user was already in the team; `Missing` when the
    /// team or the user does not exist.
    async fn add_member(&self, team_id: i64, user_id: i64) -> Result<bool, StorageError>;
    /// False when the user was not in the team.
    async fn remove_member(&self, team_id: i64, user_id: i64) -> Result<bool, StorageError>;
    /// The teams a user is in.
    async fn teams_of(&self, user_id: i64) -> Result<Vec<i64>, StorageError>;
}

/// What storing a new person needs. Provenance and at least one legal
/// basis are part of it: there is no way to store a person without them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPersonRecord {
    pub first_name: String,
    pub last_name: String,
    pub kind: PersonKind,
    pub job_title: String,
    pub status: PersonStatus,
    pub owner_id: i64,
    pub team_id: Option<i64>,
    /// The company a professional works at.
    pub company_id: Option<i64>,
    pub source: Source,
    pub collected_at: DateTime<Utc>,
    pub entered_by: Option<i64>,
    pub supplier: String,
    pub contract_ref: String,
    pub emails: Vec<(EmailAddress, EmailKind)>,
    pub phones: Vec<PhoneNumber>,
    pub legal_bases: Vec<(Purpose, LegalBasis)>,
    /// The language of their mails, when known (a form's language).
    pub language: Option<crate::i18n::Locale>,
}

/// What editing a person may change. Provenance (source, collection date,
/// who entered it, supplier) is history and stays as entered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonEdit {
    pub first_name: String,
    pub last_name: String,
    pub kind: PersonKind,
    pub job_title: String,
    pub status: PersonStatus,
    pub team_id: Option<i64>,
    pub company_id: Option<i64>,
    /// Replaces the first address (the one the form shows), or removes
    /// it when `None`; further addresses are kept.
    pub email: Option<(EmailAddress, EmailKind)>,
    /// The same for the first phone number.
    pub phone: Option<PhoneNumber>,
    /// Added after the others unless the person has it already (merging
    /// what was typed for a duplicate into the existing record).
    pub extra_email: Option<(EmailAddress, EmailKind)>,
    /// The same for a phone number.
    pub extra_phone: Option<PhoneNumber>,
    /// Set when the save answers a rectification request: written to the
    /// request in the save's own transaction.
    pub rectifies: Option<Rectification>,
}

impl PersonEdit {
    /// The catalogued fields (`crate::domain::fields::FIELDS` keys) this
    /// edit changes on `current`, in the catalogue's order.
    pub fn changed_fields(&self, current: &NewPersonRecord) -> Vec<&'static str> {
        let first_email = current.emails.first();
        let email = |e: Option<&(EmailAddress, EmailKind)>| e.map(|(a, _)| a.as_str().to_string());
        let kind = |e: Option<&(EmailAddress, EmailKind)>| e.map(|(_, k)| *k);
        [
            ("person.first_name", self.first_name != current.first_name),
            ("person.last_name", self.last_name != current.last_name),
            ("person.kind", self.kind != current.kind),
            ("person.job_title", self.job_title != current.job_title),
            ("person.company", self.company_id != current.company_id),
            ("person.status", self.status != current.status),
            (
                "person.email",
                email(self.email.as_ref()) != email(first_email),
            ),
            (
                "person.email_kind",
                kind(self.email.as_ref()) != kind(first_email),
            ),
            (
                "person.phone",
                self.phone.as_ref() != current.phones.first(),
            ),
            ("person.team", self.team_id != current.team_id),
        ]
        .into_iter()
        .filter(|(_, changed)| *changed)
        .map(|(key, _)| key)
        .collect()
    }
}

/// A save of a person that answers an open rectification request (art.
/// 16): the request, who saved, and which catalogued fields changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rectification {
    pub request_id: i64,
    pub by: i64,
    /// Field-catalogue keys (`person.last_name`), at least one.
    pub fields: Vec<&'static str>,
}

/// A stored person, with the names of the people and team it refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonRecord {
    pub id: i64,
    pub fields: NewPersonRecord,
    pub owner_name: String,
    pub team_name: Option<String>,
    pub company_name: Option<String>,
    pub entered_by_name: Option<String>,
    pub last_inbound_at: Option<DateTime<Utc>>,
    /// Since when their processing is restricted (art. 18), if it is.
    pub restricted_at: Option<DateTime<Utc>>,
    /// When they objected to prospecting (art. 21), if they did.
    pub objected_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: i64,
}

/// Which people a list may show, decided by the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    All,
    /// Those the user owns, and those of the teams they are in.
    OwnOrTeams {
        user_id: i64,
    },
}

/// What a list of people is narrowed to; every part optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeopleFilter {
    pub status: Option<PersonStatus>,
    pub kind: Option<PersonKind>,
    pub source: Option<Source>,
    pub owner_id: Option<i64>,
    pub team_id: Option<i64>,
    /// Created at or after.
    pub created_from: Option<DateTime<Utc>>,
    /// Created before.
    pub created_to: Option<DateTime<Utc>>,
    /// Carrying this tag.
    pub tag_id: Option<i64>,
    /// On the last contact the person initiated.
    pub last_contact: Option<ContactCondition>,
}

/// A condition on a person's last inbound contact.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContactCondition {
    /// In touch at or after this instant.
    Since(DateTime<Utc>),
    /// Not in touch since this instant (before it, or never).
    NotSince(DateTime<Utc>),
    /// Never in touch.
    Never,
}

/// Each user's remembered choices (the people list's columns…): short
/// text values by name.
#[async_trait]
pub trait PreferenceStore: Send + Sync {
    async fn get(&self, user_id: i64, name: &str) -> Result<Option<String>, StorageError>;
    async fn set(&self, user_id: i64, name: &str, value: &str) -> Result<(), StorageError>;
}

/// Tags on people. A tag is found by its folded name (`name_key`), so
/// "Salon" and "salon" are one tag; the first spelling is kept.
#[async_trait]
pub trait TagStore: Send + Sync {
    /// Every tag, by name: `(id, name)`.
    async fn list(&self) -> Result<Vec<(i64, String)>, StorageError>;
    /// Puts the tag (created if new) on the people; those who already carry
    /// it are left alone. One transaction; returns how many were tagged.
    async fn tag(&self, person_ids: &[i64], name: &str, key: &str) -> Result<u64, StorageError>;
    /// Takes the tag off the people; returns how many carried it.
    async fn untag(&self, person_ids: &[i64], key: &str) -> Result<u64, StorageError>;
    /// The tags of these people: `(person id, tag name)`, by name.
    async fn of_people(&self, person_ids: &[i64]) -> Result<Vec<(i64, String)>, StorageError>;
}

/// A page of a list of people: filter, order, and the last person of the
/// previous page (keyset pagination whatever the order).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PeopleQuery {
    pub filter: PeopleFilter,
    pub sort: PeopleSort,
    pub after: Option<i64>,
}

impl Default for PeopleQuery {
    fn default() -> Self {
        Self {
            filter: PeopleFilter::default(),
            sort: PeopleSort::Newest,
            after: None,
        }
    }
}

/// People (contacts).
#[async_trait]
pub trait PeopleStore: Send + Sync {
    /// Stores the person with their e-mails, phones and legal bases in one
    /// transaction; returns the new id.
    async fn create(&self, person: &NewPersonRecord) -> Result<i64, StorageError>;
    /// Stores many people in one transaction (imports, `accord seed`);
    /// returns their ids in order.
    async fn create_many(&self, people: &[NewPersonRecord]) -> Result<Vec<i64>, StorageError>;
    async fn get(&self, id: i64) -> Result<Option<PersonRecord>, StorageError>;
    /// The best `limit` matches for the folded query words (each word a
    /// prefix: `hel dup` finds Hélène Dupré), among those visible.
    async fn search(
        &self,
        visibility: Visibility,
        words: &[String],
        limit: u32,
    ) -> Result<Vec<PersonSummary>, StorageError>;
    /// A page of the visible people matching the filter, in the order
    /// asked, after the person `query.after`.
    async fn query(
        &self,
        visibility: Visibility,
        query: &PeopleQuery,
        limit: u32,
    ) -> Result<Vec<PersonSummary>, StorageError>;
    /// Newest first; keyset pagination on the id (`before_id`).
    async fn list(
        &self,
        visibility: Visibility,
        before_id: Option<i64>,
        limit: u32,
    ) -> Result<Vec<PersonSummary>, StorageError> {
        let query = PeopleQuery {
            after: before_id,
            ..PeopleQuery::default()
        };
        self.query(visibility, &query, limit).await
    }
    /// Gives the people to another owner (and team, if given); returns
    /// how many changed. Each bumps its version.
    async fn reassign(
        &self,
        ids: &[i64],
        owner_id: i64,
        team_id: Option<i64>,
    ) -> Result<u64, StorageError>;
    /// Saves an edit if the person is still at `version` (and bumps it);
    /// false if someone saved in between, and then nothing changes.
    async fn update(&self, id: i64, version: i64, edit: &PersonEdit) -> Result<bool, StorageError>;
    /// A person already stored with one of these e-mail lookup keys, or
    /// with this folded first and last name at this company: whoever sees
    /// them, so that no team enters a person twice.
    async fn find_duplicate(
        &self,
        email_keys: &[String],
        name_at_company: Option<(String, String, i64)>,
    ) -> Result<Option<i64>, StorageError>;
}

/// A company as stored (everything but the id and bookkeeping).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCompanyRecord {
    pub name: String,
    /// Normalised SIREN/SIRET/VAT, or empty.
    pub legal_id: String,
    /// Bare host name, or empty.
    pub domain: String,
    pub sector: String,
    pub size: Option<CompanySize>,
    pub address: String,
    pub owner_id: i64,
    pub team_id: Option<i64>,
}

/// A stored company, with the names it refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyRecord {
    pub id: i64,
    pub fields: NewCompanyRecord,
    pub owner_name: String,
    pub team_name: Option<String>,
    pub created_at: DateTime<Utc>,
    pub version: i64,
}

/// What editing a company may change: everything but its owner (given
/// to another by reassignment) and its history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompanyEdit {
    pub name: String,
    pub legal_id: String,
    pub domain: String,
    pub sector: String,
    pub size: Option<CompanySize>,
    pub address: String,
    pub team_id: Option<i64>,
}

/// Companies (accounts).
#[async_trait]
pub trait CompanyStore: Send + Sync {
    async fn create(&self, company: &NewCompanyRecord) -> Result<i64, StorageError>;
    /// Stores many companies in one transaction; returns their ids in order.
    async fn create_many(&self, companies: &[NewCompanyRecord]) -> Result<Vec<i64>, StorageError>;
    async fn get(&self, id: i64) -> Result<Option<CompanyRecord>, StorageError>;
    /// Saves an edit made on `version`; false (and nothing written) when
    /// the company is at another version or gone. A new name is searched
    /// at once, for the company and for the people working there.
    async fn update(&self, id: i64, version: i64, edit: &CompanyEdit)
    -> Result<bool, StorageError>;
    /// A visible company whose folded name is `name_key`, oldest first.
    async fn find_by_name(
        &self,
        visibility: Visibility,
        name_key: &str,
    ) -> Result<Option<(i64, String)>, StorageError>;
    /// Newest first; keyset pagination on the id.
    async fn list(
        &self,
        visibility: Visibility,
        before_id: Option<i64>,
        limit: u32,
    ) -> Result<Vec<CompanySummary>, StorageError>;
    /// The best matches for the folded words (name, domain, legal id).
    async fn search(
        &self,
        visibility: Visibility,
        words: &[String],
        limit: u32,
    ) -> Result<Vec<CompanySummary>, StorageError>;
    /// The visible people working at the company: id and name.
    async fn people(
        &self,
        company_id: i64,
        visibility: Visibility,
        limit: u32,
    ) -> Result<Vec<(i64, String)>, StorageError>;
}

/// An entry to add to a timeline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewInteraction {
    pub person_id: Option<i64>,
    pub company_id: Option<i64>,
    pub kind: InteractionKind,
    pub direction: Option<Direction>,
    pub outcome: Option<CallOutcome>,
    pub duration_minutes: Option<u32>,
    pub body: String,
    /// Stored to the millisecond (the timeline's cursor precision).
    pub occurred_at: DateTime<Utc>,
    pub author_id: i64,
    pub due_at: Option<DateTime<Utc>>,
    pub assignee_id: Option<i64>,
}

/// Whose timeline.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimelineOf {
    Person(i64),
    Company(i64),
}

/// Calls, meetings, e-mails, notes and tasks.
#[async_trait]
pub trait InteractionStore: Send + Sync {
    /// Adds an entry; an inbound one also moves the person's last inbound
    /// contact forward, in the same transaction.
    async fn add(&self, interaction: &NewInteraction) -> Result<i64, StorageError>;
    /// Many entries in one transaction (`accord seed`), with the same rule.
    async fn add_many(&self, interactions: &[NewInteraction]) -> Result<(), StorageError>;
    /// Newest first, `limit` entries older than `before`.
    async fn timeline(
        &self,
        of: TimelineOf,
        before: Option<TimelineCursor>,
        limit: u32,
    ) -> Result<Vec<InteractionView>, StorageError>;
    /// Whom an entry is about (person, company), to check access.
    async fn subject(&self, id: i64) -> Result<Option<(Option<i64>, Option<i64>)>, StorageError>;
    /// Marks a task done; false if there is no such open task.
    async fn mark_done(&self, id: i64, at: DateTime<Utc>) -> Result<bool, StorageError>;
}

/// A lead as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewLeadRecord {
    pub first_name: String,
    pub last_name: String,
    pub company_name: String,
    pub email: Option<EmailAddress>,
    pub phone: Option<PhoneNumber>,
    pub status: LeadStatus,
    pub disqualified_reason: String,
    pub score: u8,
    pub kind: PersonKind,
    pub source: Source,
    pub collected_at: DateTime<Utc>,
    pub entered_by: Option<i64>,
    pub supplier: String,
    pub contract_ref: String,
    pub prospecting_basis: LegalBasis,
    pub owner_id: i64,
    pub team_id: Option<i64>,
}

/// A stored lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeadRecord {
    pub id: i64,
    pub fields: NewLeadRecord,
    pub owner_name: String,
    pub team_name: Option<String>,
    pub person_id: Option<i64>,
    pub deal_id: Option<i64>,
    pub converted_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub version: i64,
}

/// The deal a conversion opens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDeal {
    pub title: String,
    pub amount_cents: i64,
    pub currency: String,
}

/// What a conversion created.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Converted {
    pub person_id: i64,
    pub company_id: Option<i64>,
    pub deal_id: Option<i64>,
}

/// Leads.
#[async_trait]
pub trait LeadStore: Send + Sync {
    async fn create(&self, lead: &NewLeadRecord) -> Result<i64, StorageError>;
    async fn get(&self, id: i64) -> Result<Option<LeadRecord>, StorageError>;
    /// Newest first, optionally of one status; keyset on the id.
    async fn list(
        &self,
        visibility: Visibility,
        status: Option<LeadStatus>,
        before_id: Option<i64>,
        limit: u32,
    ) -> Result<Vec<LeadSummary>, StorageError>;
    /// Changes status, reason and score if the lead is still at `version`
    /// and not converted; false otherwise (someone changed it meanwhile).
    async fn update(
        &self,
        id: i64,
        version: i64,
        status: LeadStatus,
        reason: &str,
        score: u8,
    ) -> Result<bool, StorageError>;
    /// Turns the lead (at `version`, not yet converted) into a person, the
    /// company named on it (found by folded name, or created) and, if
    /// asked, a deal, in one transaction. `Conflict` if it was converted
    /// or changed meanwhile; then nothing is created.
    async fn convert(
        &self,
        id: i64,
        version: i64,
        deal: Option<&NewDeal>,
    ) -> Result<Converted, StorageError>;
}

/// A stage of a pipeline being created or added to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewStage {
    pub name: String,
    pub probability: u8,
    pub kind: StageKind,
}

/// A deal put on a board, at the end of its stage's column.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPipelineDeal {
    pub title: String,
    pub amount_cents: i64,
    pub currency: String,
    pub stage_id: i64,
    /// The stage's default when absent.
    pub probability: Option<u8>,
    pub person_id: Option<i64>,
    pub company_id: Option<i64>,
    pub owner_id: i64,
    pub team_id: Option<i64>,
    pub source: String,
    pub expected_close: Option<NaiveDate>,
}

/// What the board is narrowed to; every part optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BoardFilter {
    pub owner_id: Option<i64>,
    pub team_id: Option<i64>,
    pub close_from: Option<NaiveDate>,
    pub close_to: Option<NaiveDate>,
    /// Words of the title, case-insensitive.
    pub search: Option<String>,
}

/// Why a move was not made. Nothing was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MoveRefusal {
    /// No such deal, or not one the mover may change.
    NotFound,
    /// Someone changed the deal since the mover saw it: here it is now.
    Changed(Box<DealCard>),
    /// The stage is missing, archived, or of another pipeline.
    StageUnavailable,
    /// A lost stage needs a reason.
    ReasonRequired,
}

/// Why a stage was not archived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ArchiveRefusal {
    /// No such stage (or archived already).
    NotFound,
    /// It holds this many deals: where should they go?
    DealsToMove(i64),
    /// The stage chosen for its deals is not a stage of the same kind, in
    /// use, of the same pipeline.
    BadTarget,
    /// A board keeps at least one open stage.
    LastOpenStage,
}

/// One change of stage in a deal's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StageChange {
    pub from_stage: Option<String>,
    pub to_stage: String,
    pub by: Option<String>,
    pub at: DateTime<Utc>,
}

/// A deal's editable fields, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DealEdit {
    pub title: String,
    pub amount_cents: i64,
    pub currency: String,
    pub probability: u8,
    pub expected_close: Option<NaiveDate>,
    pub owner_id: i64,
    pub team_id: Option<i64>,
    pub company_id: Option<i64>,
}

/// What the managers' dashboard reads; the figures are computed from it
/// by `domain::dashboard`.
#[async_trait]
pub trait DashboardStore: Send + Sync {
    /// The deals of a pipeline the reader may see (one team's, if given):
    /// every open one, and those closed on or after `closed_since` (older
    /// ones count in no figure; years of them must not slow it down).
    async fn deal_facts(
        &self,
        pipeline_id: i64,
        team_id: Option<i64>,
        visibility: Visibility,
        closed_since: chrono::NaiveDate,
    ) -> Result<Vec<crate::domain::dashboard::DealFact>, StorageError>;
    /// The stages each of those deals has been in: `(deal id, stage id)`,
    /// once each, from the history of stages.
    async fn stages_reached(
        &self,
        pipeline_id: i64,
        team_id: Option<i64>,
        visibility: Visibility,
    ) -> Result<Vec<(i64, i64)>, StorageError>;
    /// The leads created in `[from, to)`, counted by source.
    async fn leads_by_source(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(String, i64)>, StorageError>;
    /// Calls and meetings logged in `[from, to)`, per author, over the
    /// authors the reader sees (themselves and their teams' members, or
    /// everyone), one team's members if given; by name.
    async fn activity_by_rep(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        team_id: Option<i64>,
        visibility: Visibility,
    ) -> Result<Vec<crate::domain::dashboard::RepActivity>, StorageError>;
    /// The sum of a pipeline's monthly targets from `first_month` to
    /// `last_month` (`YYYY-MM`, both included), per currency; the
    /// organisation's (no team) or one team's.
    async fn targets(
        &self,
        pipeline_id: i64,
        team_id: Option<i64>,
        first_month: &str,
        last_month: &str,
    ) -> Result<Vec<crate::domain::dashboard::Amount>, StorageError>;
    /// Sets (replaces) one month's target; zero cents removes it.
    async fn set_target(&self, target: &NewTarget) -> Result<(), StorageError>;
}

/// One month's sales target for a pipeline (the organisation's, or a
/// team's), as [`DashboardStore::set_target`] writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTarget {
    pub pipeline_id: i64,
    pub team_id: Option<i64>,
    /// `YYYY-MM`.
    pub month: String,
    pub amount_cents: i64,
    pub currency: String,
    pub set_by: i64,
}

/// What an event is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventTopic {
    /// A deal created or changed (`record_id`: the deal).
    Deal,
    /// A timeline entry logged or ticked off (`record_id`: the entry;
    /// `person_id`, `company_id`: whose timeline).
    Interaction,
}

/// One committed change, as the events table holds it (written in the
/// writer's transaction: by a trigger for deals, by the storage for
/// timeline entries), with the deal as it is now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    pub id: i64,
    /// Unix milliseconds of the change.
    pub at_ms: i64,
    pub topic: EventTopic,
    pub record_id: i64,
    /// The deal's owner and team now (who may see `card`); for a timeline
    /// entry, its person's (or company's) when it was written.
    pub owner_id: Option<i64>,
    pub team_id: Option<i64>,
    pub person_id: Option<i64>,
    pub company_id: Option<i64>,
    /// Who could see the deal before the change (an update only).
    pub old_owner_id: Option<i64>,
    pub old_team_id: Option<i64>,
    /// `None` when the deal no longer exists.
    pub card: Option<DealCard>,
}

/// The live stream's source: the events table.
#[async_trait]
pub trait EventStore: Send + Sync {
    /// The events after `after_id`, in id order, at most `limit`.
    async fn events_after(
        &self,
        after_id: i64,
        limit: i64,
    ) -> Result<Vec<StoredEvent>, StorageError>;
    /// The newest event's id, 0 when there is none.
    async fn last_event_id(&self) -> Result<i64, StorageError>;
    /// The oldest event still kept, `None` when there is none: a client
    /// that saw an event before it cannot be replayed what it missed.
    async fn first_event_id(&self) -> Result<Option<i64>, StorageError>;
    /// Deletes the events older than `before_ms`; returns how many.
    async fn prune_events(&self, before_ms: i64) -> Result<u64, StorageError>;
    /// Waits for other writers' commits: calls `wake` on each notification
    /// until the connection fails (PostgreSQL's `LISTEN accord_events`;
    /// with SQLite, one process writes, and this never returns). A
    /// notification lost while reconnecting is caught up by the caller
    /// reading from its last id.
    async fn listen(&self, wake: &(dyn Fn() + Send + Sync)) -> Result<(), StorageError>;
}

/// Whose deals [`PipelineStore::deals_of`] lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DealsOf {
    Person(i64),
    Company(i64),
}

/// Pipelines, stages and the deals on the board.
#[async_trait]
pub trait PipelineStore: Send + Sync {
    /// Every pipeline with its stages, in order (archived ones flagged).
    async fn pipelines(&self) -> Result<Vec<Pipeline>, StorageError>;
    /// Creates a pipeline with its stages, in order; the first pipeline
    /// created also takes in the deals that are on no board yet (into its
    /// first stage).
    async fn create_pipeline(&self, name: &str, stages: &[NewStage]) -> Result<i64, StorageError>;
    /// Creates the first pipeline, unless one exists by then (another
    /// instance may be creating it at the same moment: one is made).
    async fn create_first_pipeline(
        &self,
        name: &str,
        stages: &[NewStage],
    ) -> Result<(), StorageError>;
    /// The columns of a pipeline's board as `visibility` sees them under
    /// `filter`: per stage (not archived), its count and totals over every
    /// matching deal and its first `per_column` cards.
    async fn board(
        &self,
        pipeline_id: i64,
        visibility: Visibility,
        filter: &BoardFilter,
        per_column: u32,
    ) -> Result<Vec<BoardColumn>, StorageError>;
    /// The next cards of a column after the card `(rank, id)`.
    async fn column(
        &self,
        stage_id: i64,
        visibility: Visibility,
        filter: &BoardFilter,
        after: Option<(String, i64)>,
        limit: u32,
    ) -> Result<Vec<DealCard>, StorageError>;
    /// Puts a deal at the end of its stage's column; records its first
    /// stage in the history.
    async fn create_deal(&self, deal: &NewPipelineDeal, by: i64) -> Result<i64, StorageError>;
    /// Many deals at once (`accord seed`), each column's in the given order.
    async fn create_deals(&self, deals: &[NewPipelineDeal]) -> Result<(), StorageError>;
    /// Moves a deal where the mover dropped it, if the mover may change it
    /// and it is still at the version they saw: at most three statements
    /// (read the deal, its neighbours and the stage; update the deal;
    /// record the change of stage) in one transaction.
    async fn move_deal(
        &self,
        mv: &DealMove,
        visibility: Visibility,
        by: i64,
        today: NaiveDate,
    ) -> Result<Result<DealMoved, MoveRefusal>, StorageError>;
    /// The deal as a card, if `visibility` may see it.
    async fn card(
        &self,
        deal_id: i64,
        visibility: Visibility,
    ) -> Result<Option<DealCard>, StorageError>;
    /// The deals of a person, or of a company (its own and its people's),
    /// that `visibility` may see: open ones first, newest first.
    async fn deals_of(
        &self,
        of: DealsOf,
        visibility: Visibility,
        limit: u32,
    ) -> Result<Vec<RecordDeal>, StorageError>;
    /// A deal's changes of stage, oldest first.
    async fn stage_history(&self, deal_id: i64) -> Result<Vec<StageChange>, StorageError>;
    /// How many deals each stage holds, by stage id (stages without deals
    /// left out).
    async fn stage_deal_counts(&self) -> Result<Vec<(i64, i64)>, StorageError>;
    /// Renames a pipeline; false when there is no such pipeline.
    async fn rename_pipeline(&self, pipeline_id: i64, name: &str) -> Result<bool, StorageError>;
    /// Adds a stage to a pipeline: an open one before its first won or
    /// lost stage, a closed one at the end.
    async fn add_stage(&self, pipeline_id: i64, stage: &NewStage) -> Result<i64, StorageError>;
    /// Renames a stage and sets its default probability; the deals that
    /// followed the old default follow the new one. False when there is no
    /// such stage.
    async fn edit_stage(
        &self,
        stage_id: i64,
        name: &str,
        probability: u8,
    ) -> Result<bool, StorageError>;
    /// Swaps a stage with the stage in use above (or below) it; false at
    /// the end of the pipeline.
    async fn move_stage(&self, stage_id: i64, up: bool) -> Result<bool, StorageError>;
    /// Archives a stage: its deals first go to the end of `move_to`'s
    /// column (a stage of the same kind and pipeline), each change of
    /// stage recorded. Returns how many deals moved.
    async fn archive_stage(
        &self,
        stage_id: i64,
        move_to: Option<i64>,
        by: i64,
    ) -> Result<Result<u64, ArchiveRefusal>, StorageError>;
    /// A deal with its pipeline, stage, owner, team, person and company
    /// (without history, stages or rights: the caller adds them).
    async fn deal(&self, deal_id: i64) -> Result<Option<DealDetail>, StorageError>;
    /// Saves an edit of a deal still at `version` (the version then goes
    /// up); false when it changed since, or is gone.
    async fn update_deal(
        &self,
        deal_id: i64,
        version: i64,
        edit: &DealEdit,
    ) -> Result<bool, StorageError>;
}

/// Recent failed sign-ins, counted for the brute-force limits.
#[async_trait]
pub trait SignInFailureStore: Send + Sync {
    /// Records a failure, and forgets failures older than `forget_before`.
    async fn record(
        &self,
        account_key: &str,
        client_addr: &str,
        at: DateTime<Utc>,
        forget_before: DateTime<Utc>,
    ) -> Result<(), StorageError>;
    /// Failures since `since` for this account key and for this address,
    /// with the oldest of each (when the window frees up).
    async fn recent(
        &self,
        account_key: &str,
        client_addr: &str,
        since: DateTime<Utc>,
    ) -> Result<RecentFailures, StorageError>;
    /// Forgets the failures of an account (after a successful sign-in).
    async fn clear_account(&self, account_key: &str) -> Result<(), StorageError>;
}

/// Counts for [`SignInFailureStore::recent`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RecentFailures {
    pub by_account: u32,
    pub oldest_by_account: Option<DateTime<Utc>>,
    pub by_addr: u32,
    pub oldest_by_addr: Option<DateTime<Utc>>,
}

/// One access to personal data, or an attempt refused by the policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccessLogRecord {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub user_id: Option<i64>,
    pub user_email: String,
    pub action: String,
    pub record_type: String,
    pub record_id: String,
    pub allowed: bool,
    pub client_addr: String,
}

/// Filters for reading the access log; every field optional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccessLogFilter {
    pub user_id: Option<i64>,
    pub record_type: Option<String>,
    pub record_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Keyset pagination: only entries with a smaller id.
    pub before_id: Option<i64>,
}

/// The append-only access log.
#[async_trait]
pub trait AccessLogStore: Send + Sync {
    /// Appends an entry (its `id` is ignored and assigned by the database).
    async fn append(&self, entry: &AccessLogRecord) -> Result<(), StorageError>;
    /// Newest first, at most `limit`.
    async fn search(
        &self,
        filter: &AccessLogFilter,
        limit: u32,
    ) -> Result<Vec<AccessLogRecord>, StorageError>;
    /// The retention purge: deletes entries older than `cutoff`; returns
    /// how many. The only deletion the database allows.
    async fn purge_before(&self, cutoff: DateTime<Utc>) -> Result<u64, StorageError>;
}

/// Every store, for one backend. Cloning is cheap (reference counts).
#[derive(Clone)]
pub struct Storage {
    pub backend: Backend,
    pub organisation: Arc<dyn OrganisationStore>,
    pub users: Arc<dyn UserStore>,
    pub sessions: Arc<dyn SessionStore>,
    pub sign_in_failures: Arc<dyn SignInFailureStore>,
    pub second_factors: Arc<dyn SecondFactorStore>,
    pub teams: Arc<dyn TeamStore>,
    pub people: Arc<dyn PeopleStore>,
    pub tags: Arc<dyn TagStore>,
    pub preferences: Arc<dyn PreferenceStore>,
    pub companies: Arc<dyn CompanyStore>,
    pub interactions: Arc<dyn InteractionStore>,
    pub leads: Arc<dyn LeadStore>,
    pub pipelines: Arc<dyn PipelineStore>,
    pub events: Arc<dyn EventStore>,
    pub dashboard: Arc<dyn DashboardStore>,
    pub access_log: Arc<dyn AccessLogStore>,
    pub consent: Arc<dyn ConsentStore>,
    pub privacy: Arc<dyn PrivacyStore>,
    pub archives: Arc<dyn ArchiveStore>,
    pub health: Arc<dyn HealthStore>,
    pub bulk_load: Arc<dyn BulkLoadStore>,
}

impl std::fmt::Debug for Storage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Storage")
            .field("backend", &self.backend)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> NewPersonRecord {
        NewPersonRecord {
            first_name: "Hélène".into(),
            last_name: "Martin".into(),
            kind: PersonKind::B2b,
            job_title: "CFO".into(),
            status: PersonStatus::Prospect,
            owner_id: 1,
            team_id: Some(2),
            company_id: Some(3),
            source: Source::Manual,
            collected_at: Utc::now(),
            entered_by: Some(1),
            supplier: String::new(),
            contract_ref: String::new(),
            emails: vec![(
                EmailAddress::parse("helene@example.org").unwrap(),
                EmailKind::Professional,
            )],
            phones: vec![PhoneNumber::parse("+33612345678").unwrap()],
            legal_bases: vec![],
            language: None,
        }
    }

    fn same(r: &NewPersonRecord) -> PersonEdit {
        PersonEdit {
            first_name: r.first_name.clone(),
            last_name: r.last_name.clone(),
            kind: r.kind,
            job_title: r.job_title.clone(),
            status: r.status,
            team_id: r.team_id,
            company_id: r.company_id,
            email: r.emails.first().cloned(),
            phone: r.phones.first().cloned(),
            extra_email: None,
            extra_phone: None,
            rectifies: None,
        }
    }

    #[test]
    fn an_edit_names_the_fields_it_changes() {
        let current = record();
        assert!(same(&current).changed_fields(&current).is_empty());
        let mut edit = same(&current);
        edit.last_name = "Martin-Dubois".into();
        edit.email = Some((
            EmailAddress::parse("helene.martin@example.org").unwrap(),
            EmailKind::Professional,
        ));
        edit.phone = None;
        assert_eq!(
            edit.changed_fields(&current),
            vec!["person.last_name", "person.email", "person.phone"]
        );
        let mut edit = same(&current);
        edit.email = Some((
            EmailAddress::parse("helene@example.org").unwrap(),
            EmailKind::Personal,
        ));
        edit.team_id = None;
        assert_eq!(
            edit.changed_fields(&current),
            vec!["person.email_kind", "person.team"]
        );
    }
}
