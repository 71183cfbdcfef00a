//! People (contacts): list, open, enter. Which people a user sees is the
//! policy's decision (`people_visibility`, `may_open_record`); every list
//! and every opening is written to the access log, refusals included.

use crate::domain::{PeopleListQuery, PersonDetail, PersonFormChoices, PersonSummary};
use crate::error::AppError;
use leptos::prelude::*;

pub const CREATE_PERSON_FORM: &str = "create_person";
/// People per page of the list.
pub const PAGE_SIZE: u32 = 50;

/// A page of the people the caller may see, filtered and sorted as the
/// address bar asks (`PAGE_SIZE` at a time, keyset on the last person
/// shown, whatever the order).
#[server(endpoint = "people/list")]
pub async fn list_people(
    #[server(flatten)] query: PeopleListQuery,
) -> Result<Vec<PersonSummary>, AppError> {
    use crate::domain::*;
    use crate::server::storage::{ContactCondition, PeopleFilter, PeopleQuery};
    use crate::server::{access_log, context, policy};
    use chrono::{NaiveDate, TimeZone, Utc};
    let result = async {
        let user = access_log::guard(policy::Action::ViewPeople, "list", "person", "").await?;
        let v = |field: &'static str| move |p: Problem| AppError::validation(field, p);
        let given = |o: &Option<String>| {
            o.as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        };
        let day = |field: &'static str,
                   raw: Option<String>|
         -> Result<Option<chrono::DateTime<Utc>>, AppError> {
            raw.map(|raw| {
                NaiveDate::parse_from_str(&raw, "%Y-%m-%d")
                    .map(|d| Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).unwrap_or_default()))
                    .map_err(|_| AppError::validation(field, Problem::InvalidDate))
            })
            .transpose()
        };
        let id = |field: &'static str, raw: Option<String>| -> Result<Option<i64>, AppError> {
            raw.map(|raw| {
                raw.parse::<i64>()
                    .map_err(|_| AppError::validation(field, Problem::UnknownChoice))
            })
            .transpose()
        };
        let filter = PeopleFilter {
            status: given(&query.status)
                .map(|s| PersonStatus::parse(&s))
                .transpose()
                .map_err(v("status"))?,
            kind: given(&query.kind)
                .map(|s| PersonKind::parse(&s))
                .transpose()
                .map_err(v("kind"))?,
            source: given(&query.source)
                .map(|s| Source::parse(&s))
                .transpose()
                .map_err(v("source"))?,
            owner_id: match given(&query.owner).as_deref() {
                Some("me") => Some(user.user_id),
                other => id("owner", other.map(str::to_owned))?,
            },
            team_id: id("team", given(&query.team))?,
            created_from: day("created_from", given(&query.created_from))?,
            // The "to" day is included: up to the start of the next day.
            created_to: day("created_to", given(&query.created_to))?
                .map(|d| d + chrono::Duration::days(1)),
            tag_id: id("tag", given(&query.tag))?,
            last_contact: given(&query.contact)
                .map(|s| LastContactFilter::parse(&s))
                .transpose()
                .map_err(v("contact"))?
                .map(|f| {
                    let ago = |days| Utc::now() - chrono::Duration::days(days);
                    match f {
                        LastContactFilter::Within30Days => ContactCondition::Since(ago(30)),
                        LastContactFilter::WithinYear => ContactCondition::Since(ago(365)),
                        LastContactFilter::OverYear => ContactCondition::NotSince(ago(365)),
                        LastContactFilter::Never => ContactCondition::Never,
                    }
                }),
        };
        let sort = given(&query.sort)
            .map(|s| PeopleSort::parse(&s))
            .transpose()
            .map_err(v("sort"))?
            .unwrap_or(PeopleSort::Newest);
        let ctx = context::server_context()?;
        ctx.storage
            .people
            .query(
                policy::people_visibility(&user),
                &PeopleQuery {
                    filter,
                    sort,
                    after: id("after", given(&query.after))?,
                },
                PAGE_SIZE,
            )
            .await
            .map_err(|e| context::internal("people.list", e))
    }
    .await;
    if let Err(error) = &result {
        crate::server::respond::set_error_status(error);
    }
    result
}

/// How many results a search shows.
pub const SEARCH_LIMIT: u32 = 20;
/// Deals listed on a person's or company's page (the board has the rest).
pub const RECORD_DEALS: u32 = 50;

/// The people matching `q` (names, e-mails, phones; each word a prefix,
/// accents and case ignored), best first, among those the caller may see.
/// A search that shows results is written to the access log with the ids
/// shown (not the words typed, which may themselves be personal data).
#[server(endpoint = "people/search")]
pub async fn search_people(q: String) -> Result<Vec<PersonSummary>, AppError> {
    use crate::server::{access_log, context, policy};
    let user = policy::authorize(policy::Action::ViewPeople)?;
    let words = crate::domain::search::query_tokens(&q);
    let ctx = context::server_context()?;
    let rows = ctx
        .storage
        .people
        .search(policy::people_visibility(&user), &words, SEARCH_LIMIT)
        .await
        .map_err(|e| context::internal("people.search", e))?;
    if !rows.is_empty() {
        let ids: Vec<String> = rows.iter().map(|r| r.id.to_string()).collect();
        access_log::write(&user, "search", "person", &ids.join(","), true).await?;
    }
    Ok(rows)
}

/// One person, if the caller may open them: 403 (and an access-log entry
/// for the attempt) for a person of another team.
#[server(endpoint = "people/get")]
pub async fn get_person(id: i64) -> Result<PersonDetail, AppError> {
    use crate::server::{context, policy, respond};
    let result = async {
        let user = policy::authorize(policy::Action::ViewPeople)?;
        let ctx = context::server_context()?;
        let person = ctx
            .storage
            .people
            .get(id)
            .await
            .map_err(|e| context::internal("people.get", e))?
            .ok_or(AppError::NotFound)?;
        crate::server::records::open(
            &user,
            "read",
            "person",
            id,
            person.fields.owner_id,
            person.fields.team_id,
        )
        .await?;
        let tags = ctx
            .storage
            .tags
            .of_people(&[id])
            .await
            .map_err(|e| context::internal("tags.of_people", e))?
            .into_iter()
            .map(|(_, name)| name)
            .collect();
        let (consents, consent_history) = ctx
            .storage
            .consent
            .of_person(id, crate::i18n::current_locale())
            .await
            .map_err(|e| context::internal("consent.of_person", e))?;
        let deals = ctx
            .storage
            .pipelines
            .deals_of(
                crate::server::storage::DealsOf::Person(id),
                policy::people_visibility(&user),
                RECORD_DEALS,
            )
            .await
            .map_err(|e| context::internal("pipelines.deals_of", e))?;
        let (restricted_at, objected_at) = (person.restricted_at, person.objected_at);
        let rectification = crate::server::records::rectification_for(&user, id)
            .await?
            .map(|(_, details)| details);
        let suppressed = ctx
            .storage
            .privacy
            .suppressed(
                &person
                    .fields
                    .emails
                    .iter()
                    .map(|(a, _)| a.lookup_key())
                    .collect::<Vec<_>>(),
                &person
                    .fields
                    .phones
                    .iter()
                    .map(|p| String::from(p.clone()))
                    .collect::<Vec<_>>(),
            )
            .await
            .map_err(|e| context::internal("privacy.suppressed", e))?;
        let f = person.fields;
        Ok(PersonDetail {
            consents,
            consent_history,
            may_export_proof: policy::allows(user.role, policy::Action::ExportConsentProof),
            tags,
            id: person.id,
            first_name: f.first_name,
            last_name: f.last_name,
            kind: f.kind,
            job_title: f.job_title,
            status: f.status,
            emails: f
                .emails
                .into_iter()
                .map(|(a, k)| (a.to_string(), k))
                .collect(),
            phones: f.phones.into_iter().map(String::from).collect(),
            company: f.company_id.zip(person.company_name),
            owner_name: person.owner_name,
            team_id: f.team_id,
            team_name: person.team_name,
            source: f.source,
            collected_at: f.collected_at,
            entered_by_name: person.entered_by_name,
            supplier: f.supplier,
            contract_ref: f.contract_ref,
            legal_bases: f.legal_bases,
            last_inbound_at: person.last_inbound_at,
            created_at: person.created_at,
            version: person.version,
            may_edit: policy::allows(user.role, policy::Action::LogInteraction)
                && crate::server::records::may_change(&user, restricted_at.is_some()),
            restricted_ms: restricted_at.map(|t| t.timestamp_millis()),
            objected_ms: objected_at.map(|t| t.timestamp_millis()),
            suppressed,
            may_restrict: policy::allows(user.role, policy::Action::HandleRequests),
            rectification,
            deals,
        })
    }
    .await;
    if let Err(error) = &result {
        respond::set_error_status(error);
    }
    result
}

/// The teams the caller may give a new person (administrators: any).
#[server(endpoint = "people/form-choices")]
pub async fn get_person_form_choices() -> Result<PersonFormChoices, AppError> {
    use crate::server::{context, policy};
    let user = policy::authorize(policy::Action::CreatePerson)?;
    let ctx = context::server_context()?;
    let all = ctx
        .storage
        .teams
        .list()
        .await
        .map_err(|e| context::internal("teams.list", e))?;
    let mine = ctx
        .storage
        .teams
        .teams_of(user.user_id)
        .await
        .map_err(|e| context::internal("teams.teams_of", e))?;
    Ok(PersonFormChoices {
        teams: all
            .into_iter()
            .filter(|t| user.role == crate::domain::Role::Admin || mine.contains(&t.id))
            .map(|t| (t.id, t.name))
            .collect(),
        me: user.user_id,
        my_role: user.role,
    })
}

/// The new-person form as posted (every field a string, as typed).
#[derive(Debug, Clone, Default, serde::Serialize, serde::Deserialize)]
pub struct NewPersonForm {
    #[serde(default)]
    pub first_name: String,
    #[serde(default)]
    pub last_name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub status: String,
    pub job_title: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub team_id: Option<String>,
    pub source: Option<String>,
    pub collected_on: Option<String>,
    pub supplier: Option<String>,
    pub contract_ref: Option<String>,
    pub prospecting_basis: Option<String>,
    /// The company's name, as typed: linked if it exists, else created.
    pub company: Option<String>,
    /// Set when the user saw the possible duplicate and creates anyway.
    pub allow_duplicate: Option<String>,
    /// The existing record's id, when the user saw the possible duplicate
    /// and adds what they typed to it instead of creating a person.
    pub merge_into: Option<String>,
}

/// Enters a person by hand. Provenance and the legal basis for
/// prospecting are required; a professional defaults to legitimate
/// interest, a consumer must be given one.
#[server(endpoint = "people/create")]
pub async fn create_person(#[server(flatten)] form: NewPersonForm) -> Result<(), AppError> {
    use crate::domain::*;
    use crate::server::storage::NewPersonRecord;
    use crate::server::{access_log, context, policy, respond};
    use chrono::{NaiveDate, TimeZone, Utc};

    // Everything typed goes back with a refusal, so nothing is retyped.
    let typed = serde_json::to_string(&form).unwrap_or_default();
    let NewPersonForm {
        first_name,
        last_name,
        kind,
        status,
        job_title,
        email,
        phone,
        team_id,
        source,
        collected_on,
        supplier,
        contract_ref,
        prospecting_basis,
        company,
        allow_duplicate,
        merge_into,
    } = form;
    let result = async {
        let user = policy::authorize(policy::Action::CreatePerson)?;
        let v = |field: &'static str| move |p: Problem| AppError::validation(field, p);
        let text = |o: Option<String>| o.unwrap_or_default();
        let Identity {
            first_name,
            last_name,
            kind,
            status,
            job_title,
            emails,
            phones,
        } = parse_identity(
            &first_name,
            &last_name,
            &kind,
            &status,
            &text(job_title),
            &text(email),
            &text(phone),
        )?;
        let source = match text(source).trim() {
            "" => Source::Manual,
            raw => Source::parse(raw).map_err(v("source"))?,
        };
        let now = Utc::now();
        let collected_at = match text(collected_on).trim() {
            "" => now,
            raw => {
                let day = NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                    .map_err(|_| AppError::validation("collected_on", Problem::InvalidDate))?;
                let at = Utc.from_utc_datetime(&day.and_hms_opt(12, 0, 0).unwrap_or_default());
                if day > now.date_naive() {
                    return Err(AppError::validation("collected_on", Problem::FutureDate));
                }
                at
            }
        };
        let supplier = optional_line(&text(supplier), 200).map_err(v("supplier"))?;
        let contract_ref = optional_line(&text(contract_ref), 100).map_err(v("contract_ref"))?;
        let basis = match text(prospecting_basis).trim() {
            "" => default_prospecting_basis(kind).ok_or(AppError::validation(
                "prospecting_basis",
                Problem::BasisRequired,
            ))?,
            raw => LegalBasis::parse(raw).map_err(v("prospecting_basis"))?,
        };
        let ctx = context::server_context()?;
        if let Some(raw) = merge_into.filter(|m| !m.trim().is_empty()) {
            let id: i64 = raw
                .trim()
                .parse()
                .map_err(|_| AppError::validation("merge_into", Problem::UnknownChoice))?;
            let typed = Merged {
                job_title,
                email: emails.into_iter().next(),
                phone: phones.into_iter().next(),
                company: text(company),
            };
            return merge_into_existing(&user, id, typed).await;
        }
        let team_id = crate::server::records::team_for_new_record(&user, team_id).await?;
        let company_id = match text(company).trim() {
            "" => None,
            raw => Some(company_for_person(&user, raw, team_id).await?),
        };
        crate::server::records::not_suppressed(
            "email",
            &emails
                .iter()
                .map(|(a, _)| a.lookup_key())
                .collect::<Vec<_>>(),
            &phones
                .iter()
                .map(|p| String::from(p.clone()))
                .collect::<Vec<_>>(),
        )
        .await?;
        if allow_duplicate.is_none() {
            let keys: Vec<String> = emails.iter().map(|(a, _)| a.lookup_key()).collect();
            let name = company_id.map(|c| {
                (
                    crate::domain::search::fold(&first_name),
                    crate::domain::search::fold(&last_name),
                    c,
                )
            });
            if let Some(existing) = ctx
                .storage
                .people
                .find_duplicate(&keys, name)
                .await
                .map_err(|e| context::internal("people.find_duplicate", e))?
            {
                return Err(AppError::validation(
                    "duplicate",
                    Problem::DuplicateOf { id: existing },
                ));
            }
        }
        let id = ctx
            .storage
            .people
            .create(&NewPersonRecord {
                language: None,
                first_name,
                last_name,
                kind,
                job_title,
                status,
                owner_id: user.user_id,
                team_id,
                company_id,
                source,
                collected_at,
                entered_by: Some(user.user_id),
                supplier,
                contract_ref,
                emails,
                phones,
                legal_bases: vec![(Purpose::Prospecting, basis)],
            })
            .await
            .map_err(|e| context::internal("people.create", e))?;
        access_log::write(&user, "create", "person", &id.to_string(), true).await?;
        tracing::info!(user_id = user.user_id, person_id = id, "person entered");
        Ok(id)
    }
    .await;
    match result {
        Ok(id) => {
            leptos_axum::redirect(&format!("/contacts/{id}"));
            Ok(())
        }
        Err(error) => respond::finish_form(CREATE_PERSON_FORM, &typed, Err(error)),
    }
}

/// What was typed for a person found to exist already, to add to them.
#[cfg(feature = "ssr")]
struct Merged {
    job_title: String,
    email: Option<(crate::domain::EmailAddress, crate::domain::EmailKind)>,
    phone: Option<crate::domain::PhoneNumber>,
    company: String,
}

/// Adds to an existing person what was typed for a duplicate of them: the
/// e-mail address and phone number if new to them, the job title and the
/// company if they had none. Nothing of theirs is replaced, and their
/// provenance stays theirs. Refused like an edit if the caller may not
/// open them; a save meanwhile refuses it as `ChangedMeanwhile`.
#[cfg(feature = "ssr")]
async fn merge_into_existing(
    user: &crate::server::auth::SessionUser,
    id: i64,
    typed: Merged,
) -> Result<i64, AppError> {
    use crate::domain::Problem;
    use crate::server::storage::PersonEdit;
    use crate::server::{context, records};
    let ctx = context::server_context()?;
    let person = ctx
        .storage
        .people
        .get(id)
        .await
        .map_err(|e| context::internal("people.get", e))?
        .ok_or(AppError::NotFound)?;
    let f = &person.fields;
    records::open(user, "merge", "person", id, f.owner_id, f.team_id).await?;
    records::writable(user, &person)?;
    let company_id = match (f.company_id, typed.company.trim()) {
        (Some(existing), _) => Some(existing),
        (None, "") => None,
        (None, raw) => Some(company_for_person(user, raw, f.team_id).await?),
    };
    let edit = PersonEdit {
        first_name: f.first_name.clone(),
        last_name: f.last_name.clone(),
        kind: f.kind,
        job_title: if f.job_title.is_empty() {
            typed.job_title
        } else {
            f.job_title.clone()
        },
        status: f.status,
        team_id: f.team_id,
        company_id,
        email: f.emails.first().cloned(),
        phone: f.phones.first().cloned(),
        extra_email: typed.email,
        extra_phone: typed.phone,
        rectifies: None,
    };
    let saved = ctx
        .storage
        .people
        .update(id, person.version, &edit)
        .await
        .map_err(|e| context::internal("people.update", e))?;
    if !saved {
        return Err(AppError::validation(
            "merge_into",
            Problem::ChangedMeanwhile,
        ));
    }
    tracing::info!(
        user_id = user.user_id,
        person_id = id,
        "typed details merged into a person"
    );
    Ok(id)
}

/// A person's identity and contact fields, validated (the part of the
/// form that entering and editing share).
#[cfg(feature = "ssr")]
pub(crate) struct Identity {
    pub first_name: String,
    pub last_name: String,
    pub kind: crate::domain::PersonKind,
    pub status: crate::domain::PersonStatus,
    pub job_title: String,
    pub emails: Vec<(crate::domain::EmailAddress, crate::domain::EmailKind)>,
    pub phones: Vec<crate::domain::PhoneNumber>,
}

#[cfg(feature = "ssr")]
pub(crate) fn parse_identity(
    first_name: &str,
    last_name: &str,
    kind: &str,
    status: &str,
    job_title: &str,
    email: &str,
    phone: &str,
) -> Result<Identity, AppError> {
    use crate::domain::*;
    let v = |field: &'static str| move |p: Problem| AppError::validation(field, p);
    Ok(Identity {
        first_name: optional_line(first_name, PersonName::MAX_CHARS).map_err(v("first_name"))?,
        last_name: PersonName::parse(last_name)
            .map_err(v("last_name"))?
            .to_string(),
        kind: PersonKind::parse(kind).map_err(v("kind"))?,
        status: PersonStatus::parse(status).map_err(v("status"))?,
        job_title: optional_line(job_title, 100).map_err(v("job_title"))?,
        emails: match email.trim() {
            "" => vec![],
            raw => {
                let address = EmailAddress::parse(raw).map_err(v("email"))?;
                let kind = EmailKind::detect(&address);
                vec![(address, kind)]
            }
        },
        phones: match phone.trim() {
            "" => vec![],
            raw => vec![PhoneNumber::parse(raw).map_err(v("phone"))?],
        },
    })
}

/// The company a new person works at, found by its folded name among
/// those the user may see, or created (owned by the user, in the person's
/// team) when there is none.
#[cfg(feature = "ssr")]
pub(crate) async fn company_for_person(
    user: &crate::server::auth::SessionUser,
    typed: &str,
    team_id: Option<i64>,
) -> Result<i64, AppError> {
    use crate::server::{access_log, context, policy, storage::NewCompanyRecord};
    let name =
        crate::domain::company_name(typed).map_err(|p| AppError::validation("company", p))?;
    let ctx = context::server_context()?;
    let key = crate::domain::search::fold(&name);
    if let Some((id, _)) = ctx
        .storage
        .companies
        .find_by_name(policy::people_visibility(user), &key)
        .await
        .map_err(|e| context::internal("companies.find_by_name", e))?
    {
        return Ok(id);
    }
    let id = ctx
        .storage
        .companies
        .create(&NewCompanyRecord {
            name,
            legal_id: String::new(),
            domain: String::new(),
            sector: String::new(),
            size: None,
            address: String::new(),
            owner_id: user.user_id,
            team_id,
        })
        .await
        .map_err(|e| context::internal("companies.create", e))?;
    access_log::write(user, "create", "company", &id.to_string(), true).await?;
    Ok(id)
}
