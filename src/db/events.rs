//! Events, upcoming and past, and who interacted at each.

use color_eyre::eyre::Result;

use super::models::{Event, EventAttendee};
use super::Db;

const EVENT_COLUMNS: &str = "id, event_type, event_date, description, location, target_industries, \
     target_roles, solutions_featured, status, created_at, updated_at";

impl Db {
    /// Upcoming events soonest first, or past events latest first.
    pub async fn events(&self, upcoming: bool, limit: i64) -> Result<Vec<Event>> {
        let sql = if upcoming {
            format!(
                "SELECT {EVENT_COLUMNS} FROM events WHERE event_date >= (now() AT TIME ZONE 'UTC')
                  ORDER BY event_date, id LIMIT $1"
            )
        } else {
            format!(
                "SELECT {EVENT_COLUMNS} FROM events WHERE event_date < (now() AT TIME ZONE 'UTC')
                  ORDER BY event_date DESC, id DESC LIMIT $1"
            )
        };
        Ok(sqlx::query_as(&sql).bind(limit).fetch_all(&self.pool).await?)
    }

    /// Upcoming and recent events whose target_industries mention `industry`
    /// (any JSON shape: the text of the value is searched).
    pub async fn events_for_industry(&self, industry: &str, limit: i64) -> Result<Vec<Event>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {EVENT_COLUMNS} FROM events
              WHERE target_industries::text ILIKE $1
              ORDER BY abs(extract(epoch FROM event_date - (now() AT TIME ZONE 'UTC'))) LIMIT $2"
        ))
        .bind(super::like_pattern(industry))
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn event(&self, id: i32) -> Result<Option<Event>> {
        Ok(sqlx::query_as(&format!("SELECT {EVENT_COLUMNS} FROM events WHERE id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// Prospects who have an interaction linked to the event, most interactions first.
    pub async fn event_attendees(&self, event_id: i32, limit: i64) -> Result<Vec<EventAttendee>> {
        Ok(sqlx::query_as(
            "SELECT p.id AS prospect_id, p.full_name, c.name AS company_name, count(*) AS interactions
               FROM interactions x JOIN prospects p ON p.id = x.prospect_id JOIN companies c ON c.id = p.company_id
              WHERE x.event_id = $1
              GROUP BY p.id, p.full_name, c.name
              ORDER BY count(*) DESC, p.full_name LIMIT $2",
        )
        .bind(event_id)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?)
    }
}
