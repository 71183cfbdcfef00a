//! The field catalogue: every field of personal data Accord holds, declared
//! once, in code, with its category, the purposes it serves and whether it
//! is required. The register of processing, the export of a person's data
//! and the minimisation warnings are generated from this list; a test
//! checks it against the database schema, so a column cannot be added
//! without being declared here.

use super::Purpose;

/// What kind of information a field holds (art. 30 register categories).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldCategory {
    /// Who the person is: names.
    Identity,
    /// How to reach them: e-mail addresses, phone numbers.
    Contact,
    /// Their professional life: employer, job title.
    Professional,
    /// Where the data came from and on which basis it is held.
    Provenance,
    /// The commercial relationship: status, ownership, last contact.
    Commercial,
    /// What was said and done: calls, meetings, notes, tasks.
    Exchanges,
    /// Company data (not personal, listed for completeness).
    Company,
}

impl FieldCategory {
    /// Its stable name, as the register and the person's archive give it.
    pub fn key(self) -> &'static str {
        match self {
            FieldCategory::Identity => "identity",
            FieldCategory::Contact => "contact",
            FieldCategory::Professional => "professional",
            FieldCategory::Provenance => "provenance",
            FieldCategory::Commercial => "commercial",
            FieldCategory::Exchanges => "exchanges",
            FieldCategory::Company => "company",
        }
    }
}

/// One declared field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldSpec {
    /// Stable name, `record.field`.
    pub key: &'static str,
    /// Where it is stored.
    pub table: &'static str,
    pub column: &'static str,
    pub category: FieldCategory,
    /// The purposes that need it (empty for company data).
    pub purposes: &'static [Purpose],
    /// Whether a record cannot be saved without it.
    pub required: bool,
    /// Whether it is personal data (about an identifiable person).
    pub personal: bool,
}

const PROSPECTING: &[Purpose] = &[Purpose::Prospecting];

const PROSPECTING_AND_CUSTOMERS: &[Purpose] =
    &[Purpose::Prospecting, Purpose::CustomerRelationship];

macro_rules! field {
    ($key:literal, $table:literal . $column:literal, $category:ident, $purposes:expr, required: $required:literal, personal: $personal:literal) => {
        FieldSpec {
            key: $key,
            table: $table,
            column: $column,
            category: FieldCategory::$category,
            purposes: $purposes,
            required: $required,
            personal: $personal,
        }
    };
}

/// Every field, in the order a person's page shows them.
pub const FIELDS: &[FieldSpec] = &[
    field!("person.first_name", "people"."first_name", Identity, PROSPECTING_AND_CUSTOMERS, required: false, personal: true),
    field!("person.last_name", "people"."last_name", Identity, PROSPECTING_AND_CUSTOMERS, required: true, personal: true),
    field!("person.kind", "people"."kind", Commercial, PROSPECTING_AND_CUSTOMERS, required: true, personal: true),
    field!("person.job_title", "people"."job_title", Professional, PROSPECTING_AND_CUSTOMERS, required: false, personal: true),
    field!("person.company", "people"."company_id", Professional, PROSPECTING_AND_CUSTOMERS, required: false, personal: true),
    field!("person.status", "people"."status", Commercial, PROSPECTING_AND_CUSTOMERS, required: true, personal: true),
    field!("person.email", "person_emails"."address", Contact, PROSPECTING_AND_CUSTOMERS, required: false, personal: true),
    field!("person.email_kind", "person_emails"."kind", Contact, PROSPECTING_AND_CUSTOMERS, required: false, personal: true),
    field!("person.phone", "person_phones"."number", Contact, PROSPECTING_AND_CUSTOMERS, required: false, personal: true),
    field!("person.source", "people"."source", Provenance, PROSPECTING_AND_CUSTOMERS, required: true, personal: true),
    field!("person.collected_at", "people"."collected_at", Provenance, PROSPECTING_AND_CUSTOMERS, required: true, personal: true),
    field!("person.entered_by", "people"."entered_by", Provenance, PROSPECTING_AND_CUSTOMERS, required: false, personal: true),
    field!("person.supplier", "people"."supplier", Provenance, PROSPECTING_AND_CUSTOMERS, required: false, personal: true),
    field!("person.contract_ref", "people"."contract_ref", Provenance, PROSPECTING_AND_CUSTOMERS, required: false, personal: true),
    field!("person.legal_basis", "person_legal_bases"."basis", Provenance, PROSPECTING_AND_CUSTOMERS, required: true, personal: true),
    field!("person.owner", "people"."owner_id", Commercial, PROSPECTING_AND_CUSTOMERS, required: true, personal: true),
    field!("person.team", "people"."team_id", Commercial, PROSPECTING_AND_CUSTOMERS, required: false, personal: true),
    field!("person.language", "people"."language", Contact, PROSPECTING_AND_CUSTOMERS, required: false, personal: true),
    field!("person.last_inbound_at", "people"."last_inbound_at", Commercial, PROSPECTING_AND_CUSTOMERS, required: false, personal: true),
    field!("person.relationship_ended_at", "people"."relationship_ended_at", Commercial, PROSPECTING_AND_CUSTOMERS, required: false, personal: true),
    field!("person.restricted_at", "people"."restricted_at", Provenance, PROSPECTING_AND_CUSTOMERS, required: false, personal: true),
    field!("person.objected_at", "people"."objected_at", Provenance, PROSPECTING_AND_CUSTOMERS, required: false, personal: true),
    field!("person.repermission_asked_at", "people"."repermission_asked_at", Commercial, PROSPECTING_AND_CUSTOMERS, required: false, personal: true),
    field!("person.legal_hold", "people"."legal_hold", Provenance, PROSPECTING_AND_CUSTOMERS, required: false, personal: true),
    field!("person.tags", "person_tags"."tag_id", Commercial, PROSPECTING_AND_CUSTOMERS, required: false, personal: true),
    field!("interaction.kind", "interactions"."kind", Exchanges, PROSPECTING_AND_CUSTOMERS, required: true, personal: true),
    field!("interaction.direction", "interactions"."direction", Exchanges, PROSPECTING_AND_CUSTOMERS, required: false, personal: true),
    field!("interaction.outcome", "interactions"."outcome", Exchanges, PROSPECTING_AND_CUSTOMERS, required: false, personal: true),
    field!("interaction.duration", "interactions"."duration_minutes", Exchanges, PROSPECTING_AND_CUSTOMERS, required: false, personal: true),
    field!("interaction.notes", "interactions"."body", Exchanges, PROSPECTING_AND_CUSTOMERS, required: false, personal: true),
    field!("interaction.occurred_at", "interactions"."occurred_at", Exchanges, PROSPECTING_AND_CUSTOMERS, required: true, personal: true),
    field!("interaction.due_at", "interactions"."due_at", Exchanges, PROSPECTING_AND_CUSTOMERS, required: false, personal: true),
    field!("interaction.done_at", "interactions"."done_at", Exchanges, PROSPECTING_AND_CUSTOMERS, required: false, personal: true),
    field!("lead.first_name", "leads"."first_name", Identity, PROSPECTING, required: false, personal: true),
    field!("lead.last_name", "leads"."last_name", Identity, PROSPECTING, required: true, personal: true),
    field!("lead.company_name", "leads"."company_name", Professional, PROSPECTING, required: false, personal: true),
    field!("lead.email", "leads"."email", Contact, PROSPECTING, required: false, personal: true),
    field!("lead.phone", "leads"."phone", Contact, PROSPECTING, required: false, personal: true),
    field!("lead.status", "leads"."status", Commercial, PROSPECTING, required: true, personal: true),
    field!("lead.disqualified_reason", "leads"."disqualified_reason", Commercial, PROSPECTING, required: false, personal: true),
    field!("lead.score", "leads"."score", Commercial, PROSPECTING, required: false, personal: true),
    field!("lead.kind", "leads"."kind", Commercial, PROSPECTING, required: true, personal: true),
    field!("lead.source", "leads"."source", Provenance, PROSPECTING, required: true, personal: true),
    field!("lead.collected_at", "leads"."collected_at", Provenance, PROSPECTING, required: true, personal: true),
    field!("lead.entered_by", "leads"."entered_by", Provenance, PROSPECTING, required: false, personal: true),
    field!("lead.supplier", "leads"."supplier", Provenance, PROSPECTING, required: false, personal: true),
    field!("lead.contract_ref", "leads"."contract_ref", Provenance, PROSPECTING, required: false, personal: true),
    field!("lead.prospecting_basis", "leads"."prospecting_basis", Provenance, PROSPECTING, required: true, personal: true),
    field!("lead.owner", "leads"."owner_id", Commercial, PROSPECTING, required: true, personal: true),
    field!("lead.team", "leads"."team_id", Commercial, PROSPECTING, required: false, personal: true),
    field!("deal.title", "deals"."title", Commercial, PROSPECTING_AND_CUSTOMERS, required: true, personal: true),
    field!("deal.amount", "deals"."amount_cents", Commercial, PROSPECTING_AND_CUSTOMERS, required: true, personal: true),
    field!("deal.currency", "deals"."currency", Commercial, PROSPECTING_AND_CUSTOMERS, required: true, personal: true),
    field!("deal.person", "deals"."person_id", Commercial, PROSPECTING_AND_CUSTOMERS, required: false, personal: true),
    field!("deal.source", "deals"."source", Provenance, PROSPECTING_AND_CUSTOMERS, required: false, personal: true),
    field!("deal.stage", "deals"."stage_id", Commercial, PROSPECTING_AND_CUSTOMERS, required: false, personal: true),
    field!("deal.probability", "deals"."probability", Commercial, PROSPECTING_AND_CUSTOMERS, required: false, personal: true),
    field!("deal.expected_close", "deals"."expected_close", Commercial, PROSPECTING_AND_CUSTOMERS, required: false, personal: true),
    field!("deal.closed_on", "deals"."closed_on", Commercial, PROSPECTING_AND_CUSTOMERS, required: false, personal: true),
    field!("deal.lost_reason", "deals"."lost_reason", Commercial, PROSPECTING_AND_CUSTOMERS, required: false, personal: true),
    field!("deal.stage_history", "deal_stage_changes"."to_stage_id", Commercial, PROSPECTING_AND_CUSTOMERS, required: false, personal: true),
    field!("company.name", "companies"."name", Company, &[], required: true, personal: false),
    field!("company.legal_id", "companies"."legal_id", Company, &[], required: false, personal: false),
    field!("company.domain", "companies"."domain", Company, &[], required: false, personal: false),
    field!("company.sector", "companies"."sector", Company, &[], required: false, personal: false),
    field!("company.size", "companies"."size", Company, &[], required: false, personal: false),
    field!("company.address", "companies"."address", Company, &[], required: false, personal: false),
];

/// Columns of the catalogued tables that hold no information about the
/// person: keys, bookkeeping, search indexes derived from declared fields.
pub const BOOKKEEPING_COLUMNS: &[(&str, &str)] = &[
    ("people", "id"),
    ("people", "created_at"),
    ("people", "updated_at"),
    ("people", "version"),
    ("people", "search_document"),
    ("people", "search"),
    // When the row was emptied by erasure (the tombstone is `erasures`).
    ("people", "erased_at"),
    ("person_emails", "person_id"),
    ("person_emails", "position"),
    ("person_emails", "address_key"),
    ("person_phones", "person_id"),
    ("person_phones", "position"),
    ("person_legal_bases", "person_id"),
    ("person_legal_bases", "purpose"),
    ("person_tags", "person_id"),
    ("person_tags", "tagged_at"),
    ("interactions", "id"),
    ("interactions", "person_id"),
    ("interactions", "company_id"),
    ("interactions", "author_id"),
    ("interactions", "assignee_id"),
    ("interactions", "created_at"),
    ("leads", "id"),
    ("leads", "person_id"),
    ("leads", "deal_id"),
    ("leads", "converted_at"),
    ("leads", "created_at"),
    ("leads", "updated_at"),
    ("leads", "version"),
    ("deals", "id"),
    ("deals", "company_id"),
    ("deals", "owner_id"),
    ("deals", "team_id"),
    ("deals", "created_at"),
    ("deals", "updated_at"),
    ("deals", "version"),
    ("deals", "pipeline_id"),
    ("deals", "rank"),
    ("deal_stage_changes", "id"),
    ("deal_stage_changes", "deal_id"),
    ("deal_stage_changes", "from_stage_id"),
    ("deal_stage_changes", "changed_by"),
    ("deal_stage_changes", "changed_at"),
    ("companies", "id"),
    ("companies", "name_key"),
    ("companies", "owner_id"),
    ("companies", "team_id"),
    ("companies", "created_at"),
    ("companies", "updated_at"),
    ("companies", "version"),
    ("companies", "search_document"),
    ("companies", "search"),
];

/// The tables the catalogue covers.
pub const CATALOGUED_TABLES: &[&str] = &[
    "people",
    "person_emails",
    "person_phones",
    "person_legal_bases",
    "person_tags",
    "interactions",
    "leads",
    "deals",
    "deal_stage_changes",
    "companies",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_field_is_declared_once_and_personal_fields_have_a_purpose() {
        let mut keys: Vec<&str> = FIELDS.iter().map(|f| f.key).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), FIELDS.len(), "duplicate key");
        for f in FIELDS {
            assert!(CATALOGUED_TABLES.contains(&f.table), "{}", f.key);
            assert_eq!(f.personal, !f.purposes.is_empty(), "{}", f.key);
            assert!(
                !BOOKKEEPING_COLUMNS.contains(&(f.table, f.column)),
                "{}",
                f.key
            );
        }
    }
}
