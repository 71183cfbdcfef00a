//! Consent: purposes and their versioned texts, public forms, and what a
//! form submission carries. Shared by the browser (the public form checks
//! what is typed with these same rules) and the server, which checks again.

use super::problem::{Problem, single_line};
use super::{EmailAddress, LegalBasis, PersonName, PhoneNumber};
use crate::i18n::{Catalogue, Locale};
use serde::{Deserialize, Serialize};

choice!(
    /// How a purpose reaches the person.
    Channel { Email => "email", Phone => "phone", Sms => "sms", Post => "post" }
);

choice!(
    /// One row of the consent ledger.
    ConsentEvent {
        Given => "given",
        Confirmed => "confirmed",
        Withdrawn => "withdrawn",
        Expired => "expired",
        RepermissionAsked => "repermission_asked",
    }
);

choice!(
    /// Where a person's consent to one purpose stands: derived from the
    /// ledger by [`ConsentStatus::after`].
    ConsentStatus {
        Pending => "pending",
        Given => "given",
        Withdrawn => "withdrawn",
        Expired => "expired",
    }
);

impl Channel {
    pub fn label(self, t: &Catalogue) -> &'static str {
        match self {
            Channel::Email => t.channel_email,
            Channel::Phone => t.channel_phone,
            Channel::Sms => t.channel_sms,
            Channel::Post => t.channel_post,
        }
    }
}

impl ConsentEvent {
    pub fn label(self, t: &Catalogue) -> &'static str {
        match self {
            ConsentEvent::Given => t.consent_event_given,
            ConsentEvent::Confirmed => t.consent_event_confirmed,
            ConsentEvent::Withdrawn => t.consent_event_withdrawn,
            ConsentEvent::Expired => t.consent_event_expired,
            ConsentEvent::RepermissionAsked => t.consent_event_repermission_asked,
        }
    }
}

impl ConsentStatus {
    pub fn label(self, t: &Catalogue) -> &'static str {
        match self {
            ConsentStatus::Pending => t.consent_status_pending,
            ConsentStatus::Given => t.consent_status_given,
            ConsentStatus::Withdrawn => t.consent_status_withdrawn,
            ConsentStatus::Expired => t.consent_status_expired,
        }
    }

    /// The state after `event`, from `before` (`None`: never asked).
    ///
    /// A new submission for a consent already given leaves it given: a
    /// stranger typing someone's address must not suspend their consent
    /// until they confirm again. Only a pending consent expires.
    pub fn after(before: Option<ConsentStatus>, event: ConsentEvent) -> Option<ConsentStatus> {
        match (before, event) {
            (Some(ConsentStatus::Given), ConsentEvent::Given) => Some(ConsentStatus::Given),
            (_, ConsentEvent::Given) => Some(ConsentStatus::Pending),
            (_, ConsentEvent::Confirmed) => Some(ConsentStatus::Given),
            (_, ConsentEvent::Withdrawn) => Some(ConsentStatus::Withdrawn),
            (Some(ConsentStatus::Pending), ConsentEvent::Expired) => Some(ConsentStatus::Expired),
            (before, ConsentEvent::Expired | ConsentEvent::RepermissionAsked) => before,
        }
    }

    /// Whether sends on the purpose's channel may go to the person.
    pub fn allows_sending(self) -> bool {
        self == ConsentStatus::Given
    }
}

/// A short stable key: a purpose's key, a form's address (`/f/{slug}`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ConsentKey(String);

impl ConsentKey {
    pub const MAX_CHARS: usize = 40;

    pub fn parse(raw: &str) -> Result<Self, Problem> {
        let value = raw.trim().to_ascii_lowercase();
        if value.is_empty() {
            return Err(Problem::Required);
        }
        let valid = (2..=Self::MAX_CHARS).contains(&value.len())
            && value
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !value.starts_with('-')
            && !value.ends_with('-');
        if valid {
            Ok(Self(value))
        } else {
            Err(Problem::InvalidKey)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

string_newtype!(ConsentKey, "key");

/// The longest consent text, in characters.
pub const CONSENT_TEXT_MAX: usize = 4000;

/// A consent text or a form's paragraph as published: trimmed, line ends
/// made `\n` (so the same words always hash the same), no other control
/// characters.
pub fn consent_text(raw: &str) -> Result<String, Problem> {
    let value = raw.replace("\r\n", "\n").replace('\r', "\n");
    let value = value.trim();
    if value.is_empty() {
        return Err(Problem::Required);
    }
    if value.chars().count() > CONSENT_TEXT_MAX {
        return Err(Problem::TooLong {
            max: CONSENT_TEXT_MAX,
        });
    }
    if value
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Err(Problem::ControlCharacters);
    }
    Ok(value.to_string())
}

/// A purpose's or form's title (one line, 120 characters).
pub fn consent_title(raw: &str) -> Result<String, Problem> {
    single_line(raw, 120)
}

/// How long data kept for a purpose lives, in months (1 to 120).
pub fn retention_months(raw: &str) -> Result<i64, Problem> {
    match raw.trim().parse::<i64>() {
        Ok(months) if (1..=120).contains(&months) => Ok(months),
        _ if raw.trim().is_empty() => Err(Problem::Required),
        _ => Err(Problem::InvalidNumber),
    }
}

/// The partners a purpose shares data with, one per line.
pub fn partners(raw: &str) -> Result<Vec<String>, Problem> {
    raw.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| single_line(l, 100))
        .collect()
}

/// Every partner must be named in the text people agree to.
pub fn partners_named(partners: &[String], text: &str) -> Result<(), Problem> {
    let text = text.to_lowercase();
    if partners.iter().all(|p| text.contains(&p.to_lowercase())) {
        Ok(())
    } else {
        Err(Problem::PartnerNotNamed)
    }
}

/// The link to the privacy notice: a path here, or an http(s) address.
pub fn privacy_link(raw: &str) -> Result<String, Problem> {
    let value = raw.trim();
    if value.is_empty() {
        return Err(Problem::Required);
    }
    let ok = (value.starts_with('/') && !value.starts_with("//"))
        || value.starts_with("https://")
        || value.starts_with("http://");
    if !ok || value.len() > 300 || value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(Problem::InvalidLink);
    }
    Ok(value.to_string())
}

/// The sites allowed to show a form in an `<iframe>` (the CSP's
/// `frame-ancestors`): origins only, separated by spaces or lines.
pub fn frame_origins(raw: &str) -> Result<Vec<String>, Problem> {
    raw.split_whitespace()
        .map(|origin| {
            let origin = origin.trim_end_matches('/').to_ascii_lowercase();
            let host = origin
                .strip_prefix("https://")
                .or_else(|| origin.strip_prefix("http://"))
                .ok_or(Problem::InvalidOrigin)?;
            let (name, port) = host.split_once(':').unwrap_or((host, ""));
            let name_ok = !name.is_empty()
                && name.len() <= 253
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.' || b == b'*');
            let port_ok = port.is_empty() || port.parse::<u16>().is_ok();
            if name_ok && port_ok {
                Ok(origin)
            } else {
                Err(Problem::InvalidOrigin)
            }
        })
        .collect()
}

choice!(
    /// What a public form may ask, each a field of the field catalogue.
    FormField {
        Email => "email",
        FirstName => "first_name",
        LastName => "last_name",
        Phone => "phone",
        Company => "company",
        JobTitle => "job_title",
    }
);

impl FormField {
    pub fn label(self, t: &Catalogue) -> &'static str {
        match self {
            FormField::Email => t.public_field_email,
            FormField::FirstName => t.public_field_first_name,
            FormField::LastName => t.public_field_last_name,
            FormField::Phone => t.public_field_phone,
            FormField::Company => t.public_field_company,
            FormField::JobTitle => t.public_field_job_title,
        }
    }

    /// The browser's autofill hint.
    pub fn autocomplete(self) -> &'static str {
        match self {
            FormField::Email => "email",
            FormField::FirstName => "given-name",
            FormField::LastName => "family-name",
            FormField::Phone => "tel",
            FormField::Company => "organization",
            FormField::JobTitle => "organization-title",
        }
    }

    /// Asked on every form: the address confirms the consent, the name
    /// is what the person record cannot be without.
    pub const ALWAYS: [FormField; 2] = [FormField::Email, FormField::LastName];

    /// The field catalogue's key (`app::domain::fields`).
    pub fn catalogue_key(self) -> &'static str {
        match self {
            FormField::Email => "person.email",
            FormField::FirstName => "person.first_name",
            FormField::LastName => "person.last_name",
            FormField::Phone => "person.phone",
            FormField::Company => "person.company",
            FormField::JobTitle => "person.job_title",
        }
    }

    /// Whether a purpose reaching people through `channel` needs this
    /// field: the minimisation warning of the form builder.
    pub fn needed_by(self, channel: Channel) -> bool {
        match self {
            FormField::Email | FormField::FirstName | FormField::LastName => true,
            FormField::Phone => matches!(channel, Channel::Phone | Channel::Sms),
            FormField::Company | FormField::JobTitle => false,
        }
    }
}

/// One purpose as a public form offers it: the exact text version shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferedPurpose {
    pub purpose_id: i64,
    /// Both names: the page shows the form's language, a mail the
    /// reader's.
    pub name_en: String,
    pub name_fr: String,
    pub channel: Channel,
    /// The published text (one version, in the form's language).
    pub text_id: i64,
    pub text: String,
    pub text_sha256: String,
}

impl OfferedPurpose {
    pub fn name(&self, locale: Locale) -> &str {
        match locale {
            Locale::En => &self.name_en,
            Locale::Fr => &self.name_fr,
        }
    }
}

/// A published form, as the public page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PublicForm {
    pub form_id: i64,
    pub slug: String,
    pub version_id: i64,
    pub version: i64,
    pub language: Locale,
    pub title: String,
    pub intro: String,
    pub thanks: String,
    pub privacy_url: String,
    /// In the order shown; always includes [`FormField::ALWAYS`].
    pub fields: Vec<FormField>,
    pub purposes: Vec<OfferedPurpose>,
    pub owner_id: i64,
    pub frame_ancestors: Vec<String>,
}

/// A form submission that passed every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Submission {
    pub email: EmailAddress,
    pub first_name: String,
    pub last_name: PersonName,
    pub phone: Option<PhoneNumber>,
    pub company: String,
    pub job_title: String,
    /// The purposes ticked, in the form's order.
    pub purposes: Vec<i64>,
}

/// The name of a purpose's checkbox.
pub fn purpose_input(purpose_id: i64) -> String {
    format!("purpose-{purpose_id}")
}

/// The hidden input naming the text version shown for a purpose.
pub fn text_input(purpose_id: i64) -> String {
    format!("text-{purpose_id}")
}

impl PublicForm {
    /// Checks what was posted, field by field. `value` reads a posted
    /// input by name. Every problem is reported (field name, problem), in
    /// the order of the form.
    pub fn check(
        &self,
        value: &dyn Fn(&str) -> Option<String>,
    ) -> Result<Submission, Vec<(String, Problem)>> {
        let mut problems = Vec::new();
        let asked = |f: FormField| self.fields.contains(&f);
        let text = |f: FormField| value(f.key()).unwrap_or_default();
        let mut note =
            |field: FormField, problem: Problem| problems.push((field.key().to_string(), problem));

        // Which purposes were ticked, and whether each was shown in its
        // current version.
        let mut ticked = Vec::new();
        let mut outdated =
            value("form_version").and_then(|v| v.parse::<i64>().ok()) != Some(self.version_id);
        for purpose in &self.purposes {
            if value(&purpose_input(purpose.purpose_id)).is_some() {
                ticked.push(purpose.purpose_id);
                if value(&text_input(purpose.purpose_id)).and_then(|v| v.parse::<i64>().ok())
                    != Some(purpose.text_id)
                {
                    outdated = true;
                }
            }
        }
        let needs_phone = self.purposes.iter().any(|p| {
            ticked.contains(&p.purpose_id) && matches!(p.channel, Channel::Phone | Channel::Sms)
        });

        let email = EmailAddress::parse(&text(FormField::Email))
            .map_err(|p| note(FormField::Email, p))
            .ok();
        let first_name = if asked(FormField::FirstName) {
            super::optional_line(&text(FormField::FirstName), PersonName::MAX_CHARS)
                .map_err(|p| note(FormField::FirstName, p))
                .ok()
                .unwrap_or_default()
        } else {
            String::new()
        };
        let last_name = PersonName::parse(&text(FormField::LastName))
            .map_err(|p| note(FormField::LastName, p))
            .ok();
        let phone = if asked(FormField::Phone) {
            let raw = text(FormField::Phone);
            if raw.trim().is_empty() {
                if needs_phone {
                    note(FormField::Phone, Problem::Required);
                }
                None
            } else {
                PhoneNumber::parse(&raw)
                    .map_err(|p| note(FormField::Phone, p))
                    .ok()
            }
        } else {
            None
        };
        let mut line = |field: FormField, max: usize| {
            if asked(field) {
                super::optional_line(&text(field), max)
                    .map_err(|p| note(field, p))
                    .ok()
                    .unwrap_or_default()
            } else {
                String::new()
            }
        };
        let company = line(FormField::Company, 200);
        let job_title = line(FormField::JobTitle, 120);
        if ticked.is_empty() {
            problems.push(("purposes".to_string(), Problem::NoChoice));
        } else if outdated {
            problems.push(("purposes".to_string(), Problem::FormOutdated));
        }
        match (email, last_name) {
            (Some(email), Some(last_name)) if problems.is_empty() => Ok(Submission {
                email,
                first_name,
                last_name,
                phone,
                company,
                job_title,
                purposes: ticked,
            }),
            _ => Err(problems),
        }
    }
}

/// A purpose as the settings list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurposeView {
    pub id: i64,
    pub key: String,
    pub name_en: String,
    pub name_fr: String,
    pub channel: Channel,
    pub legal_basis: LegalBasis,
    pub retention_months: i64,
    pub partners: Vec<String>,
    /// The current text version (0: none published yet).
    pub version: i64,
    pub text_en: String,
    pub text_fr: String,
    pub sha256_en: String,
    pub sha256_fr: String,
    pub archived: bool,
}

impl PurposeView {
    pub fn name(&self, locale: Locale) -> &str {
        match locale {
            Locale::En => &self.name_en,
            Locale::Fr => &self.name_fr,
        }
    }
}

/// A purpose as an administrator enters it; publishing it stores a new
/// text version when the texts differ from the current ones.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PurposeDraft {
    pub key: ConsentKey,
    pub name_en: String,
    pub name_fr: String,
    pub channel: Channel,
    pub legal_basis: LegalBasis,
    pub retention_months: i64,
    pub partners: Vec<String>,
    pub text_en: String,
    pub text_fr: String,
}

/// The raw fields of the purpose form, by input name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurposeInput {
    /// The purpose edited; empty for a new one.
    #[serde(default)]
    pub id: String,
    pub key: String,
    pub name_en: String,
    pub name_fr: String,
    pub channel: String,
    pub legal_basis: String,
    pub retention_months: String,
    #[serde(default)]
    pub partners: String,
    pub text_en: String,
    pub text_fr: String,
}

impl PurposeInput {
    /// Every field's problem, or the draft.
    pub fn check(&self) -> Result<PurposeDraft, Vec<(String, Problem)>> {
        let mut problems = Vec::new();
        macro_rules! field {
            ($name:literal, $e:expr) => {
                $e.map_err(|p| problems.push(($name.to_string(), p))).ok()
            };
        }
        let key = field!("key", ConsentKey::parse(&self.key));
        let name_en = field!("name_en", consent_title(&self.name_en));
        let name_fr = field!("name_fr", consent_title(&self.name_fr));
        let channel = field!("channel", Channel::parse(&self.channel));
        let legal_basis = field!("legal_basis", LegalBasis::parse(&self.legal_basis));
        let retention = field!("retention_months", retention_months(&self.retention_months));
        let partners = field!("partners", partners(&self.partners));
        let text_en = field!("text_en", consent_text(&self.text_en));
        let text_fr = field!("text_fr", consent_text(&self.text_fr));
        if let (Some(partners), Some(en), Some(fr)) = (&partners, &text_en, &text_fr) {
            for (name, text) in [("text_en", en), ("text_fr", fr)] {
                if let Err(p) = partners_named(partners, text) {
                    problems.push((name.to_string(), p));
                }
            }
        }
        match (
            key,
            name_en,
            name_fr,
            channel,
            legal_basis,
            retention,
            partners,
            text_en,
            text_fr,
        ) {
            (
                Some(key),
                Some(name_en),
                Some(name_fr),
                Some(channel),
                Some(legal_basis),
                Some(retention_months),
                Some(partners),
                Some(text_en),
                Some(text_fr),
            ) if problems.is_empty() => Ok(PurposeDraft {
                key,
                name_en,
                name_fr,
                channel,
                legal_basis,
                retention_months,
                partners,
                text_en,
                text_fr,
            }),
            _ => Err(problems),
        }
    }
}

/// A form as the builder edits it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormDraft {
    pub slug: ConsentKey,
    pub language: Locale,
    pub title: String,
    pub intro: String,
    pub thanks: String,
    pub privacy_url: String,
    pub fields: Vec<FormField>,
    pub purpose_ids: Vec<i64>,
    pub frame_ancestors: Vec<String>,
    pub owner_id: i64,
}

/// The raw fields of the form builder, by input name; `fields` and
/// `purposes` are the keys and ids ticked (posted as `fields[N]`,
/// `purposes[N]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormInput {
    /// The form edited; empty for a new one.
    #[serde(default)]
    pub id: String,
    pub slug: String,
    pub language: String,
    pub title: String,
    pub intro: String,
    pub thanks: String,
    pub privacy_url: String,
    #[serde(default)]
    pub fields: Vec<String>,
    #[serde(default)]
    pub purposes: Vec<String>,
    #[serde(default)]
    pub frame_ancestors: String,
    pub owner_id: String,
}

impl FormInput {
    pub fn check(&self) -> Result<FormDraft, Vec<(String, Problem)>> {
        let mut problems = Vec::new();
        macro_rules! field {
            ($name:literal, $e:expr) => {
                $e.map_err(|p| problems.push(($name.to_string(), p))).ok()
            };
        }
        let slug = field!("slug", ConsentKey::parse(&self.slug));
        let language = field!(
            "language",
            Locale::from_tag(&self.language).ok_or(Problem::UnknownChoice)
        );
        let title = field!("title", consent_title(&self.title));
        let intro = field!("intro", consent_text(&self.intro));
        let thanks = field!("thanks", consent_text(&self.thanks));
        let privacy_url = field!("privacy_url", privacy_link(&self.privacy_url));
        let mut fields: Vec<FormField> = FormField::ALWAYS.to_vec();
        for raw in &self.fields {
            match FormField::parse(raw) {
                Ok(f) if !fields.contains(&f) => fields.push(f),
                Ok(_) => {}
                Err(p) => problems.push(("fields".to_string(), p)),
            }
        }
        // Shown in the catalogue's order whatever order they were ticked in.
        fields.sort_by_key(|f| FormField::ALL.iter().position(|a| a == f));
        let mut purpose_ids = Vec::new();
        for raw in &self.purposes {
            match raw.trim().parse::<i64>() {
                Ok(id) if !purpose_ids.contains(&id) => purpose_ids.push(id),
                Ok(_) => {}
                Err(_) => problems.push(("purposes".to_string(), Problem::UnknownChoice)),
            }
        }
        if purpose_ids.is_empty() {
            problems.push(("purposes".to_string(), Problem::NoPurpose));
        }
        let frame_ancestors = field!("frame_ancestors", frame_origins(&self.frame_ancestors));
        let owner_id = field!(
            "owner_id",
            self.owner_id
                .trim()
                .parse::<i64>()
                .map_err(|_| Problem::Required)
        );
        match (
            slug,
            language,
            title,
            intro,
            thanks,
            privacy_url,
            frame_ancestors,
            owner_id,
        ) {
            (
                Some(slug),
                Some(language),
                Some(title),
                Some(intro),
                Some(thanks),
                Some(privacy_url),
                Some(frame_ancestors),
                Some(owner_id),
            ) if problems.is_empty() => Ok(FormDraft {
                slug,
                language,
                title,
                intro,
                thanks,
                privacy_url,
                fields,
                purpose_ids,
                frame_ancestors,
                owner_id,
            }),
            _ => Err(problems),
        }
    }
}

impl FormDraft {
    /// The fields asked that none of the purposes needs (minimisation).
    pub fn unneeded_fields(&self, channels: &[Channel]) -> Vec<FormField> {
        self.fields
            .iter()
            .copied()
            .filter(|f| !channels.iter().any(|c| f.needed_by(*c)))
            .collect()
    }

    /// The exact text of this version that its SHA-256 is taken of:
    /// every part, one per line, texts with their version hashes.
    pub fn canonical(&self, texts: &[(i64, String)]) -> String {
        let mut out = format!(
            "accord-form-v1\nslug={}\nlanguage={}\ntitle={}\nprivacy={}\nfields={}\n",
            self.slug,
            self.language.code(),
            self.title,
            self.privacy_url,
            self.fields
                .iter()
                .map(|f| f.key())
                .collect::<Vec<_>>()
                .join(",")
        );
        for (purpose_id, sha) in texts {
            out.push_str(&format!("purpose={purpose_id}:{sha}\n"));
        }
        out.push_str(&format!(
            "intro={}\nthanks={}\n",
            self.intro.replace('\n', "\\n"),
            self.thanks.replace('\n', "\\n")
        ));
        out
    }
}

/// A form as the settings list it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormSummary {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub version: i64,
    pub language: Locale,
    pub purposes: Vec<String>,
    pub archived: bool,
}

/// A purpose a form may offer, as the builder lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PurposeChoice {
    pub id: i64,
    pub name: String,
    pub channel: Channel,
}

/// A form being edited in the builder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormEditing {
    pub id: i64,
    pub version: i64,
    pub input: FormInput,
    /// Fields asked that none of the form's purposes needs.
    pub unneeded: Vec<FormField>,
    /// The public address of the form.
    pub address: String,
}

/// Settings → Forms.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FormsView {
    pub forms: Vec<FormSummary>,
    pub purposes: Vec<PurposeChoice>,
    /// Who the people signing up may be given to: id and name.
    pub owners: Vec<(i64, String)>,
    pub editing: Option<FormEditing>,
    /// The caller, the default owner of a new form.
    pub me: i64,
}

/// How many of the newest mails Settings → Outbox lists.
pub const OUTBOX_SHOWN: i64 = 200;

/// A mail in Settings → Outbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxView {
    pub id: i64,
    pub recipient: String,
    pub subject: String,
    pub body: String,
    pub created_ms: i64,
    pub attempts: i64,
    pub sent_ms: Option<i64>,
    pub last_error: String,
}

/// One row of a person's consent history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentEntry {
    pub ledger_id: i64,
    pub purpose_id: i64,
    pub purpose_name: String,
    pub channel: Channel,
    pub event: ConsentEvent,
    /// Unix milliseconds.
    pub at_ms: i64,
    pub text_sha256: String,
    /// `slug v3`, when the event came from a form.
    pub form: Option<String>,
    pub hash: String,
}

/// A person's consent per purpose, now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentNow {
    pub purpose_id: i64,
    pub purpose_name: String,
    pub channel: Channel,
    pub status: ConsentStatus,
    pub since_ms: i64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_status_follows_its_events() {
        use ConsentEvent as E;
        use ConsentStatus as S;
        assert_eq!(S::after(None, E::Given), Some(S::Pending));
        assert_eq!(S::after(Some(S::Pending), E::Confirmed), Some(S::Given));
        assert_eq!(S::after(Some(S::Given), E::Given), Some(S::Given));
        assert_eq!(S::after(Some(S::Withdrawn), E::Given), Some(S::Pending));
        assert_eq!(S::after(Some(S::Given), E::Withdrawn), Some(S::Withdrawn));
        assert_eq!(S::after(Some(S::Pending), E::Expired), Some(S::Expired));
        assert_eq!(S::after(Some(S::Given), E::Expired), Some(S::Given));
        assert_eq!(
            S::after(Some(S::Given), E::RepermissionAsked),
            Some(S::Given)
        );
        assert!(S::Given.allows_sending());
        assert!(!S::Pending.allows_sending());
    }

    #[test]
    fn keys_texts_and_links() {
        assert_eq!(
            ConsentKey::parse(" News-Letter ").unwrap().as_str(),
            "news-letter"
        );
        for bad in ["a", "-x", "x-", "a b", "é-t", &"x".repeat(41)] {
            assert_eq!(ConsentKey::parse(bad), Err(Problem::InvalidKey), "{bad}");
        }
        assert_eq!(consent_text(" a\r\nb \r"), Ok("a\nb".to_string()));
        assert_eq!(consent_text("a\u{7}b"), Err(Problem::ControlCharacters));
        assert_eq!(privacy_link("/privacy"), Ok("/privacy".to_string()));
        assert_eq!(privacy_link("//evil.example"), Err(Problem::InvalidLink));
        assert_eq!(
            privacy_link("javascript:alert(1)"),
            Err(Problem::InvalidLink)
        );
        assert_eq!(
            frame_origins("https://www.example.com/  http://localhost:8080"),
            Ok(vec![
                "https://www.example.com".to_string(),
                "http://localhost:8080".to_string()
            ])
        );
        assert_eq!(
            frame_origins("https://x.fr/page"),
            Err(Problem::InvalidOrigin)
        );
        assert_eq!(
            frame_origins("'unsafe-inline'"),
            Err(Problem::InvalidOrigin)
        );
        assert_eq!(retention_months("36"), Ok(36));
        assert_eq!(retention_months("0"), Err(Problem::InvalidNumber));
    }

    #[test]
    fn partners_must_be_named_in_both_texts() {
        let input = PurposeInput {
            id: String::new(),
            key: "partners".into(),
            name_en: "Offers from partners".into(),
            name_fr: "Offres de partenaires".into(),
            channel: "email".into(),
            legal_basis: "consent".into(),
            retention_months: "36".into(),
            partners: "Acme SAS\n\nGlobex".into(),
            text_en: "I agree that Acme SAS and Globex send me offers.".into(),
            text_fr: "J'accepte que Acme SAS m'envoie des offres.".into(),
        };
        assert_eq!(
            input.check(),
            Err(vec![("text_fr".to_string(), Problem::PartnerNotNamed)])
        );
        let fixed = PurposeInput {
            text_fr: "J'accepte que Acme SAS et Globex m'envoient des offres.".into(),
            ..input
        };
        let draft = fixed.check().unwrap();
        assert_eq!(draft.partners, vec!["Acme SAS", "Globex"]);
    }

    fn form() -> PublicForm {
        PublicForm {
            form_id: 1,
            slug: "news".into(),
            version_id: 7,
            version: 2,
            language: Locale::Fr,
            title: "Lettre".into(),
            intro: "Bonjour".into(),
            thanks: "Merci".into(),
            privacy_url: "/privacy".into(),
            fields: vec![
                FormField::Email,
                FormField::FirstName,
                FormField::LastName,
                FormField::Phone,
            ],
            purposes: vec![
                OfferedPurpose {
                    purpose_id: 3,
                    name_en: "Newsletter".into(),
                    name_fr: "Lettre".into(),
                    channel: Channel::Email,
                    text_id: 30,
                    text: "t".into(),
                    text_sha256: "a".into(),
                },
                OfferedPurpose {
                    purpose_id: 4,
                    name_en: "Calls".into(),
                    name_fr: "Appels".into(),
                    channel: Channel::Phone,
                    text_id: 40,
                    text: "t".into(),
                    text_sha256: "b".into(),
                },
            ],
            owner_id: 1,
            frame_ancestors: vec![],
        }
    }

    fn posted(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        }
    }

    #[test]
    fn a_submission_is_checked_field_by_field() {
        let form = form();
        let ok = form
            .check(&posted(&[
                ("email", "Anne@Example.fr"),
                ("last_name", "Martin"),
                ("form_version", "7"),
                ("purpose-3", "on"),
                ("text-3", "30"),
            ]))
            .unwrap();
        assert_eq!(ok.purposes, vec![3]);
        assert_eq!(ok.email.as_str(), "Anne@example.fr");

        let bad = form
            .check(&posted(&[
                ("email", "nope"),
                ("last_name", ""),
                ("form_version", "7"),
            ]))
            .unwrap_err();
        assert_eq!(
            bad,
            vec![
                ("email".to_string(), Problem::InvalidEmail),
                ("last_name".to_string(), Problem::Required),
                ("purposes".to_string(), Problem::NoChoice),
            ]
        );
        // A phone purpose needs the number.
        let bad = form
            .check(&posted(&[
                ("email", "a@b.fr"),
                ("last_name", "M"),
                ("form_version", "7"),
                ("purpose-4", "on"),
                ("text-4", "40"),
            ]))
            .unwrap_err();
        assert_eq!(bad, vec![("phone".to_string(), Problem::Required)]);
        // An older form version, or an older text, is refused.
        for pairs in [
            vec![
                ("email", "a@b.fr"),
                ("last_name", "M"),
                ("form_version", "6"),
                ("purpose-3", "on"),
                ("text-3", "30"),
            ],
            vec![
                ("email", "a@b.fr"),
                ("last_name", "M"),
                ("form_version", "7"),
                ("purpose-3", "on"),
                ("text-3", "29"),
            ],
        ] {
            assert_eq!(
                form.check(&posted(&pairs)).unwrap_err(),
                vec![("purposes".to_string(), Problem::FormOutdated)]
            );
        }
    }

    #[test]
    fn the_builder_warns_about_fields_no_purpose_needs() {
        let input = FormInput {
            id: String::new(),
            slug: "news".into(),
            language: "en".into(),
            title: "News".into(),
            intro: "Hello".into(),
            thanks: "Thanks".into(),
            privacy_url: "/privacy".into(),
            fields: vec!["job_title".into(), "phone".into(), "first_name".into()],
            purposes: vec!["3".into()],
            frame_ancestors: "".into(),
            owner_id: "1".into(),
        };
        let draft = input.check().unwrap();
        assert_eq!(
            draft.fields,
            vec![
                FormField::Email,
                FormField::FirstName,
                FormField::LastName,
                FormField::Phone,
                FormField::JobTitle
            ]
        );
        assert_eq!(
            draft.unneeded_fields(&[Channel::Email]),
            vec![FormField::Phone, FormField::JobTitle]
        );
        assert_eq!(
            draft.unneeded_fields(&[Channel::Email, Channel::Sms]),
            vec![FormField::JobTitle]
        );
        let none = FormInput {
            purposes: vec![],
            ..input
        };
        assert_eq!(
            none.check().unwrap_err(),
            vec![("purposes".to_string(), Problem::NoPurpose)]
        );
    }
}
