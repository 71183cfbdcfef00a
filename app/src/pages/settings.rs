use super::form_outcome::{FormOutcome, form_outcome};
use crate::api::teams::{CREATE_TEAM_FORM, TEAM_MEMBER_FORM};
use crate::api::users::{
    CREATE_USER_FORM, END_SESSION_FORM, RESET_SECOND_FACTOR_FORM, USER_STATUS_FORM,
};
use crate::api::{
    CreateTeam, CreateUser, EndMySession, ResetSecondFactor, SetTeamMember, SetUserActive,
    list_my_sessions, list_teams, list_users,
};
use crate::components::field::Field;
use crate::domain::{PasswordPolicy, Role, SessionSummary, TeamSummary, UserSummary};
use crate::i18n::{Catalogue, use_t};
use leptos::either::Either;
use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

fn when(at: &chrono::DateTime<chrono::Utc>) -> String {
    format!("{} UTC", crate::time_format::minutes(at))
}

/// A form's outcome as a message: the error, or "Saved." on success.
fn outcome_message(t: &'static Catalogue, outcome: FormOutcome) -> Option<AnyView> {
    match (outcome.error, outcome.saved) {
        (Some(e), _) => {
            Some(view! { <p class="form-error" role="alert">{e.message(t)}</p> }.into_any())
        }
        (None, true) => Some(view! { <p class="status" role="status">{t.saved}</p> }.into_any()),
        _ => None,
    }
}

/// Settings: one's own sessions, and for administrators the users.
#[component]
pub fn SettingsPage() -> impl IntoView {
    let t = use_t();
    let sessions = Resource::new(|| (), |_| list_my_sessions());
    let users = Resource::new(|| (), |_| list_users());
    let teams = Resource::new(|| (), |_| list_teams());
    view! {
        <Title text=t.nav_settings/>
        <h1>{t.nav_settings}</h1>
        <p class="lede">{t.settings_intro}</p>
        <p><a href="/settings/security">{t.security_link}</a></p>
        {move || super::pipeline_settings::may_manage_pipelines().then(|| view! {
            <p><a href="/settings/pipelines">{t.pipelines_link}</a></p>
        })}
        {move || {
            use crate::components::organisation_state::MeResource;
            let role = use_context::<MeResource>()
                .and_then(|me| me.0.get().and_then(|r| r.ok()).flatten())
                .map(|me| me.role);
            use crate::domain::Role::*;
            view! {
                {matches!(role, Some(Admin | Dpo)).then(|| view! {
                    <p><a href="/settings/consent">{t.purposes_link}</a></p>
                })}
                {matches!(role, Some(Admin | Marketing)).then(|| view! {
                    <p><a href="/settings/forms">{t.forms_link}</a></p>
                })}
                {matches!(role, Some(Admin)).then(|| view! {
                    <p><a href="/settings/outbox">{t.outbox_link}</a></p>
                })}
            }
        }}
        <section class="card wide" aria-labelledby="sessions-title">
            <h2 id="sessions-title">{t.sessions_title}</h2>
            <p class="help">{t.sessions_intro}</p>
            {outcome_message(t, form_outcome(END_SESSION_FORM))}
            <Transition fallback=move || view! { <p>{t.loading}</p> }>
                {move || Suspend::new(async move {
                    match sessions.await {
                        Ok(list) => Either::Left(view! { <SessionTable sessions=list/> }),
                        Err(e) => Either::Right(view! { <p class="error" role="alert">{e.message(t)}</p> }),
                    }
                })}
            </Transition>
        </section>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                // Only administrators get the list; for anyone else the
                // section is simply not there.
                let teams = teams.await.ok();
                users.await.ok().map(|list| view! {
                    {teams.map(|teams| view! { <TeamsSection teams users=list.clone()/> })}
                    <UsersSection users=list/>
                })
            })}
        </Transition>
    }
}

#[component]
fn SessionTable(sessions: Vec<SessionSummary>) -> impl IntoView {
    let t = use_t();
    view! {
        <table class="data">
            <thead>
                <tr>
                    <th scope="col">{t.session_browser}</th>
                    <th scope="col">{t.session_address}</th>
                    <th scope="col">{t.session_started}</th>
                    <th scope="col">{t.session_last_seen}</th>
                    <th scope="col"><span class="visually-hidden">{t.session_end}</span></th>
                </tr>
            </thead>
            <tbody>
                {sessions
                    .into_iter()
                    .map(|s| {
                        let browser = if s.user_agent.is_empty() { "—".to_string() } else { s.user_agent.clone() };
                        view! {
                            <tr>
                                <td class="ua">{browser}</td>
                                <td>{s.client_addr.clone()}</td>
                                <td>{when(&s.created_at)}</td>
                                <td>{when(&s.last_seen_at)}</td>
                                <td>
                                    {if s.current {
                                        Either::Left(view! { <strong>{t.session_this_one}</strong> })
                                    } else {
                                        Either::Right(view! {
                                            <form method="post" action=EndMySession::PATH>
                                                <input type="hidden" name="session_id" value=s.id.clone()/>
                                                <button type="submit">{t.session_end}</button>
                                            </form>
                                        })
                                    }}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

#[component]
fn UsersSection(users: Vec<UserSummary>) -> impl IntoView {
    let t = use_t();
    let created = form_outcome(CREATE_USER_FORM);
    let field_error = {
        let error = created.error.clone();
        move |field: &'static str| {
            error
                .as_ref()
                .and_then(|e| e.problem_for(field))
                .map(|p| p.message(t))
        }
    };
    let general = created
        .error
        .clone()
        .filter(|e| !matches!(e, crate::error::AppError::Validation { .. }));
    let typed_email = created.value.clone().unwrap_or_default();
    let saved = created.saved;
    view! {
        <section class="card wide" aria-labelledby="users-title">
            <h2 id="users-title">{t.users_title}</h2>
            {outcome_message(t, form_outcome(USER_STATUS_FORM))}
            {outcome_message(t, form_outcome(RESET_SECOND_FACTOR_FORM))}
            <table class="data">
                <thead>
                    <tr>
                        <th scope="col">{t.user_name}</th>
                        <th scope="col">{t.email_label}</th>
                        <th scope="col">{t.user_role}</th>
                        <th scope="col">{t.user_status}</th>
                        <th scope="col">{t.user_second_factor}</th>
                        <th scope="col"><span class="visually-hidden">{t.user_status}</span></th>
                    </tr>
                </thead>
                <tbody>
                    {users
                        .into_iter()
                        .map(|u| {
                            let label = if u.active { t.user_deactivate } else { t.user_reactivate };
                            view! {
                                <tr>
                                    <td>{u.display_name.clone()}</td>
                                    <td>{u.email.to_string()}</td>
                                    <td>{(t.role_name)(u.role)}</td>
                                    <td>{if u.active { t.user_active } else { t.user_inactive }}</td>
                                    <td>{if u.second_factor { t.user_second_factor_on } else { t.user_second_factor_off }}</td>
                                    <td class="row-actions">
                                        <form method="post" action=SetUserActive::PATH>
                                            <input type="hidden" name="user_id" value=u.id.to_string()/>
                                            <input type="hidden" name="active" value=(!u.active).to_string()/>
                                            <button type="submit" aria-label=format!("{label}: {}", u.display_name)>{label}</button>
                                        </form>
                                        {u.second_factor.then(|| view! {
                                            <form method="post" action=ResetSecondFactor::PATH>
                                                <input type="hidden" name="user_id" value=u.id.to_string()/>
                                                <button type="submit" aria-label=format!("{}: {}", t.user_reset_second_factor, u.display_name)>
                                                    {t.user_reset_second_factor}
                                                </button>
                                            </form>
                                        })}
                                    </td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>

            <h3 id="create-user-title">{t.user_create_title}</h3>
            {general.map(|e| view! { <p class="form-error" role="alert">{e.message(t)}</p> })}
            {saved.then(|| view! { <p class="status" role="status">{t.saved}</p> })}
            <form method="post" action=CreateUser::PATH class="stack" aria-labelledby="create-user-title">
                <Field id="new-name" name="display_name" label=t.display_name_label kind="text"
                    autocomplete="off" error=field_error("display_name") value=String::new()/>
                <Field id="new-email" name="email" label=t.email_label kind="email"
                    autocomplete="off" error=field_error("email") value=typed_email/>
                <div class="field">
                    <label for="new-role">{t.user_role}</label>
                    <select id="new-role" name="role">
                        {Role::ALL
                            .into_iter()
                            .map(|r| view! { <option value=r.as_str() selected=r == Role::Sales>{(t.role_name)(r)}</option> })
                            .collect_view()}
                    </select>
                </div>
                <Field id="new-password" name="password" label=t.user_first_password kind="password"
                    autocomplete="new-password" error=field_error("password") value=String::new()
                    help=(t.password_help)(PasswordPolicy::MIN_CHARS)/>
                <div class="actions">
                    <button type="submit" class="primary">{t.user_create_button}</button>
                </div>
            </form>
        </section>
    }
}

#[component]
fn TeamsSection(teams: Vec<TeamSummary>, users: Vec<UserSummary>) -> impl IntoView {
    let t = use_t();
    let created = form_outcome(CREATE_TEAM_FORM);
    let name_error = created
        .error
        .as_ref()
        .and_then(|e| e.problem_for("name"))
        .map(|p| p.message(t));
    let typed = created
        .error
        .as_ref()
        .and(created.value.clone())
        .unwrap_or_default();
    let has_teams = !teams.is_empty();
    let team_options = teams
        .iter()
        .map(|team| (team.id, team.name.clone()))
        .collect::<Vec<_>>();
    view! {
        <section class="card wide" aria-labelledby="teams-title">
            <h2 id="teams-title">{t.teams_title}</h2>
            <p class="help">{t.teams_intro}</p>
            {outcome_message(t, form_outcome(TEAM_MEMBER_FORM))}
            {teams.into_iter().map(|team| {
                let team_id = team.id;
                view! {
                    <h3>{team.name.clone()}</h3>
                    {if team.members.is_empty() {
                        Either::Left(view! { <p class="help">{t.team_no_members}</p> })
                    } else {
                        Either::Right(view! {
                            <ul class="members" aria-label=format!("{}: {}", t.team_members, team.name)>
                                {team.members.into_iter().map(|(user_id, name)| view! {
                                    <li>
                                        {name.clone()} " "
                                        <form method="post" action=SetTeamMember::PATH class="inline">
                                            <input type="hidden" name="team_id" value=team_id.to_string()/>
                                            <input type="hidden" name="user_id" value=user_id.to_string()/>
                                            <input type="hidden" name="member" value="false"/>
                                            <button type="submit" aria-label=format!("{}: {name}", t.team_remove_member)>{t.team_remove_member}</button>
                                        </form>
                                    </li>
                                }).collect_view()}
                            </ul>
                        })
                    }}
                }
            }).collect_view()}
            {has_teams.then(|| view! {
                <form method="post" action=SetTeamMember::PATH class="filters" aria-label=t.team_add_member>
                    <div class="field">
                        <label for="member-team">{t.person_team}</label>
                        <select id="member-team" name="team_id">
                            {team_options.into_iter().map(|(id, name)| view! { <option value=id.to_string()>{name}</option> }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="member-user">{t.team_user}</label>
                        <select id="member-user" name="user_id">
                            {users.into_iter().filter(|u| u.active).map(|u| view! { <option value=u.id.to_string()>{u.display_name}</option> }).collect_view()}
                        </select>
                    </div>
                    <input type="hidden" name="member" value="true"/>
                    <div class="actions"><button type="submit">{t.team_add_member}</button></div>
                </form>
            })}
            <form method="post" action=CreateTeam::PATH class="filters" aria-label=t.team_create>
                <Field id="team-name" name="name" label=t.team_name kind="text" autocomplete="off"
                    error=name_error value=typed/>
                <div class="actions"><button type="submit">{t.team_create}</button></div>
            </form>
        </section>
    }
}
