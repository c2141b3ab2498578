//! A prospect with a new company is one write (item 9).

use closer::app::state::Popup;
use closer::db::Db;
use crossterm::event::KeyCode;

use super::{app_with, temp_dir};
use crate::support::{self, ch, ctrl, press};

/// Item 9: a prospect whose location is too long is refused at the field,
/// and the new company it named is not created; a company named in another
/// case is reused; a retried insert does not insert twice.
#[tokio::test]
async fn a_prospect_with_a_new_company_is_one_write() {
    let (db, _) = support::demo_db(10).await;
    let (mut app, io) = app_with(&db, &temp_dir("form")).await;
    let companies = |db: Db| async move {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM companies").fetch_one(&db.pool).await.unwrap()
    };
    let before = companies(db.clone()).await;
    press(&mut app, &io, [ch('n')]).await;
    let Some(Popup::Form(form)) = app.state.popup.as_mut() else { panic!("form") };
    let set = |form: &mut closer::app::forms::Form, k: &str, v: &str| {
        let i = form.fields.iter().position(|f| f.key == k).unwrap();
        form.fields[i].value = v.to_string();
    };
    set(form, "full_name", "Orphan Check");
    set(form, "email", "orphan@example.com");
    set(form, "company", "Brand New Company Ltd");
    set(form, "location", &"L".repeat(300));
    press(&mut app, &io, [ctrl('s')]).await;
    let Some(Popup::Form(form)) = app.state.popup.as_ref() else { panic!("the form stays open") };
    let location = form.fields.iter().find(|f| f.key == "location").unwrap();
    assert!(location.error.as_deref().unwrap_or("").contains("255"), "{:?}", location.error);
    assert_eq!(companies(db.clone()).await, before, "no orphan company");

    // Straight to the database: a too-long value fails the whole transaction.
    use closer::db::prospect_save::{CompanyRef, IndustryRef};
    let industry: i32 = sqlx::query_scalar("SELECT min(id) FROM industries").fetch_one(&db.pool).await.unwrap();
    let input = closer::db::prospects::ProspectInput {
        full_name: "Ada Once".into(),
        email: "ada.once@example.com".into(),
        status: db.enums.labels(closer::db::EnumKind::ProspectStatus)[0].clone(),
        is_active: true,
        ..Default::default()
    };
    let company = CompanyRef::ByName {
        name: "Once Upon Ltd".into(),
        industry: IndustryRef::Existing(industry),
        size: "1-10".into(),
    };
    let bad = closer::db::prospects::ProspectInput { location: Some("x".repeat(256)), ..input.clone() };
    assert!(db.save_prospect(None, None, &bad, &company, false).await.is_err());
    assert_eq!(companies(db.clone()).await, before);

    let first = db.save_prospect(None, None, &input, &company, false).await.unwrap();
    assert_eq!(companies(db.clone()).await, before + 1);
    // The same company in another case is found, not made again.
    let upper =
        CompanyRef::ByName { name: "ONCE UPON LTD".into(), industry: IndustryRef::New("X".into()), size: "x".into() };
    let again = db.save_prospect(None, None, &input, &upper, true).await.unwrap();
    assert_eq!(again.id, first.id, "a retried insert returns the first attempt's row");
    assert_eq!(again.company_id, first.company_id);
    assert_eq!(companies(db.clone()).await, before + 1);
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM prospects WHERE email = 'ada.once@example.com'")
        .fetch_one(&db.pool)
        .await
        .unwrap();
    assert_eq!(n, 1);
}

/// Someone (an import, psql, another Closer) changes a prospect while its
/// edit form is open: saving the form refuses instead of silently undoing
/// their change, and keeps what was typed; reopened, the form saves.
#[tokio::test]
async fn an_edit_never_undoes_a_change_made_since_the_form_opened() {
    let (db, _) = support::demo_db(10).await;
    let (mut app, io) = app_with(&db, &temp_dir("stale-form")).await;
    press(&mut app, &io, [ch('1')]).await;
    let id = app.state.panel.prospect_id.expect("a prospect is selected");
    assert!(app.state.panel.detail.is_some(), "its detail is loaded");
    press(&mut app, &io, [ch('e')]).await;
    let set = |app: &mut closer::app::App, k: &str, v: &str| {
        let Some(Popup::Form(form)) = app.state.popup.as_mut() else { panic!("the form") };
        let i = form.fields.iter().position(|f| f.key == k).unwrap();
        form.fields[i].value = v.to_string();
    };
    set(&mut app, "full_name", "Typed In The Form");
    // A call logged meanwhile moves last_contacted_at (and updated_at): the
    // form holds neither, so that alone does not refuse a save.
    sqlx::query("UPDATE prospects SET last_contacted_at = now(), updated_at = now() WHERE id = $1")
        .bind(id)
        .execute(&db.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE prospects SET location = 'Daegu', updated_at = now() + interval '1 second' WHERE id = $1")
        .bind(id)
        .execute(&db.pool)
        .await
        .unwrap();
    press(&mut app, &io, [ctrl('s')]).await;
    let Some(Popup::Form(form)) = app.state.popup.as_ref() else { panic!("the form stays open") };
    assert!(form.message.as_deref().unwrap_or("").contains("location changed"), "{:?}", form.message);
    assert_eq!(form.field("full_name").value, "Typed In The Form", "the typing is kept");
    assert!(!form.saving);
    let (name, location): (String, Option<String>) =
        sqlx::query_as("SELECT full_name, location FROM prospects WHERE id = $1")
            .bind(id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_ne!(name, "Typed In The Form", "nothing was written");
    assert_eq!(location.as_deref(), Some("Daegu"), "their change stands");
    // The refusal reloaded the detail: closed and opened again, the form
    // starts from the new values and saves.
    assert_eq!(app.state.panel.detail.as_ref().unwrap().prospect.location.as_deref(), Some("Daegu"));
    press(&mut app, &io, [support::key(KeyCode::Esc), support::key(KeyCode::Esc)]).await;
    press(&mut app, &io, [ch('e')]).await;
    set(&mut app, "full_name", "Typed In The Form");
    press(&mut app, &io, [ctrl('s')]).await;
    assert!(app.state.popup.is_none(), "saved: {:?}", app.state.status.error);
    let (name, location): (String, Option<String>) =
        sqlx::query_as("SELECT full_name, location FROM prospects WHERE id = $1")
            .bind(id)
            .fetch_one(&db.pool)
            .await
            .unwrap();
    assert_eq!((name.as_str(), location.as_deref()), ("Typed In The Form", Some("Daegu")));
}
