//! `adbridge seed`: a realistic, deterministic demo catalogue (influencers with channels and
//! ad spaces, advertisers), fast enough for benchmarks: multi-row inserts in transactions, and
//! one argon2 hash shared by every seeded account (hashing 100k passwords would take hours).
//!
//! Every seeded account's password is [`SEED_PASSWORD`]; emails are
//! `influencer<N>@seed.adbridge.test` and `advertiser<N>@seed.adbridge.test` (N from 1).

use std::time::Instant;

use anyhow::Context;
use argon2::password_hash::{PasswordHasher, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use chrono::{Duration, Utc};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, TransactionTrait, Value};

use crate::domain::catalogue::{AdFormat, Category, Platform};
use crate::store::catalogue::search::Sql;
use crate::store::entities::{channel, user};
use crate::store::{Store, to_json_list};

/// The password of every seeded account.
pub const SEED_PASSWORD: &str = "adbridge-demo-password";

/// Rows per multi-row insert (15 columns × 400 stays under every backend's parameter limit).
const BATCH: usize = 400;

/// How much to seed.
#[derive(Debug, Clone, Copy)]
pub struct SeedOptions {
    /// Influencer accounts.
    pub influencers: usize,
    /// Ad spaces, spread over the influencers' channels.
    pub spaces: usize,
    /// Advertiser accounts.
    pub advertisers: usize,
    /// Random seed: the same seed gives the same catalogue.
    pub seed: u64,
}

/// SplitMix64: tiny, fast and stable across releases (unlike `StdRng`), so a seed is a catalogue.
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
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
    /// Log-uniform between `lo` and `hi`: many small values, a few large ones.
    fn log_between(&mut self, lo: f64, hi: f64) -> f64 {
        let t = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        (lo.ln() + t * (hi.ln() - lo.ln())).exp()
    }
}

const FIRST: &[&str] =
    &["Lena", "Marco", "Aiko", "Sofia", "Noah", "Chloé", "Ravi", "Emma", "Lucas", "Maya", "Jonas", "Inès", "Omar", "Zoe", "Leo", "Nina"];
const LAST: &[&str] = &["Martin", "Rossi", "Tanaka", "Garcia", "Müller", "Dubois", "Patel", "Smith", "Silva", "Kowalski", "Berg", "Moreau"];
const COUNTRIES: &[(&str, &str)] = &[
    ("FR", "fr"),
    ("DE", "de"),
    ("US", "en"),
    ("GB", "en"),
    ("ES", "es"),
    ("IT", "it"),
    ("BR", "pt"),
    ("JP", "ja"),
    ("IN", "en"),
    ("NL", "nl"),
];
const CURRENCIES: &[&str] = &["EUR", "EUR", "EUR", "USD", "USD", "GBP"];

/// Topic words per category: titles and descriptions are made of them.
fn topics(c: Category) -> &'static [&'static str] {
    match c {
        Category::Food => &["vegan recipes", "quick dinners", "street food", "baking", "meal prep", "coffee"],
        Category::Beauty => &["skincare routine", "makeup tutorial", "haircare", "fragrance"],
        Category::Fashion => &["streetwear", "capsule wardrobe", "sneakers", "vintage finds"],
        Category::Gaming => &["speedruns", "indie games", "esports", "retro consoles"],
        Category::Tech => &["smartphone reviews", "laptops", "smart home", "coding tips"],
        Category::Travel => &["city guides", "backpacking", "road trips", "hotels"],
        Category::Fitness => &["home workouts", "running", "yoga", "nutrition"],
        Category::Finance => &["budgeting", "investing", "crypto", "side hustles"],
        Category::Parenting => &["toddlers", "family travel", "school tips"],
        Category::Education => &["language learning", "study tips", "science explainers"],
        Category::Lifestyle => &["morning routines", "minimalism", "home decor"],
        Category::Music => &["guitar covers", "music production", "concerts"],
        Category::Sports => &["football", "cycling", "tennis", "climbing"],
        Category::Business => &["startups", "productivity", "marketing"],
        Category::Other => &["pets", "gardening", "cars"],
    }
}

fn formats_for(p: Platform) -> &'static [AdFormat] {
    use AdFormat as F;
    match p {
        Platform::Instagram => &[F::Post, F::Story, F::Reel],
        Platform::Tiktok => &[F::ShortVideo, F::Live, F::Mention],
        Platform::Youtube => &[F::LongVideo, F::ShortVideo, F::Mention],
        Platform::Twitch => &[F::Live, F::Mention],
        Platform::Blog => &[F::Article],
        Platform::Podcast => &[F::PodcastRead],
        Platform::Newsletter => &[F::NewsletterSlot],
        _ => &[F::Post, F::Mention, F::Other],
    }
}

fn hash_password() -> anyhow::Result<String> {
    let params = Params::new(19456, 2, 1, None).map_err(|e| anyhow::anyhow!("argon2 params: {e}"))?;
    let salt = SaltString::encode_b64(b"adbridge-seed-salt").map_err(|e| anyhow::anyhow!("salt: {e}"))?;
    let hash = Argon2::new(Algorithm::Argon2id, Version::V0x13, params).hash_password(SEED_PASSWORD.as_bytes(), &salt);
    Ok(hash.map_err(|e| anyhow::anyhow!("argon2: {e}"))?.to_string())
}

/// Runs multi-row inserts of `rows` into `table`, `BATCH` rows per statement, in one transaction.
async fn insert_rows(store: &Store, table: &str, columns: &str, rows: Vec<Vec<Value>>) -> anyhow::Result<()> {
    let txn = store.db().begin().await?;
    for chunk in rows.chunks(BATCH) {
        let mut sql = Sql::new(store.backend());
        sql.push(&format!("INSERT INTO {table} ({columns}) VALUES "));
        for (i, row) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "" } else { ", " }).bind_list(row);
        }
        txn.execute_raw(sql.build()).await.with_context(|| format!("inserting into {table}"))?;
    }
    txn.commit().await?;
    Ok(())
}

/// Fills the database with a demo catalogue; refuses when it was already seeded.
pub async fn seed(store: &Store, opts: SeedOptions) -> anyhow::Result<()> {
    let started = Instant::now();
    let exists = user::Entity::find().filter(user::Column::Email.like("%@seed.adbridge.test")).one(store.db()).await?;
    anyhow::ensure!(exists.is_none(), "this database is already seeded (accounts @seed.adbridge.test exist)");
    let mut rng = Rng(opts.seed);
    let hash = hash_password()?;
    let now = Utc::now();
    let users = user_rows(&mut rng, &opts, &hash, now);
    insert_rows(store, "users", USER_COLUMNS, users).await?;
    let ids: Vec<(i64, String)> = user::Entity::find()
        .filter(user::Column::Email.like("influencer%@seed.adbridge.test"))
        .all(store.db())
        .await?
        .into_iter()
        .map(|u| (u.id, u.email))
        .collect();
    tracing::info!(users = opts.influencers + opts.advertisers, elapsed = ?started.elapsed(), "seeded accounts");
    let mut channel_rows = Vec::new();
    for (id, _) in &ids {
        for _ in 0..1 + rng.below(3) {
            let platform = *rng.pick(Platform::ALL);
            let followers = rng.log_between(1_000.0, 5_000_000.0) as i64;
            let handle = format!("@creator{id}_{}", platform.as_str().to_lowercase());
            channel_rows.push(vec![
                Value::from(*id),
                platform.as_str().into(),
                handle.clone().into(),
                format!("https://example.com/{}", &handle[1..]).into(),
                followers.into(),
                ((50 + rng.below(1200)) as i32).into(),
                now.into(),
                now.into(),
            ]);
        }
    }
    insert_rows(store, "channels", "influencer_id, platform, handle, url, followers, engagement_bp, created_at, updated_at", channel_rows)
        .await?;
    let influencer_ids: Vec<i64> = ids.iter().map(|(id, _)| *id).collect();
    let channels = channel::Entity::find().filter(channel::Column::InfluencerId.is_in(influencer_ids)).all(store.db()).await?;
    anyhow::ensure!(!channels.is_empty() || opts.spaces == 0, "no influencer to list ad spaces for");
    tracing::info!(channels = channels.len(), elapsed = ?started.elapsed(), "seeded channels");
    let mut done = 0;
    while done < opts.spaces {
        let n = (opts.spaces - done).min(10_000);
        let rows = (done..done + n).map(|i| space_row(&mut rng, &channels, i, opts.spaces, now)).collect();
        insert_rows(store, "ad_spaces", SPACE_COLUMNS, rows).await?;
        done += n;
        tracing::info!(spaces = done, of = opts.spaces, elapsed = ?started.elapsed(), "seeding ad spaces");
    }
    // Fresh statistics, so that the planner drives a FOLLOWERS sort from the channels index
    // instead of sorting every space (SQLite without statistics: 0.4 s a page instead of 0.4 ms).
    store.db().execute_unprepared("ANALYZE").await?;
    tracing::info!(elapsed = ?started.elapsed(), password = SEED_PASSWORD, "seed complete");
    Ok(())
}

const USER_COLUMNS: &str = "email, password_hash, role, display_name, bio, country, languages, categories, brand_name, website, \
    industry, rating_sum, rating_count, created_at, updated_at";
const SPACE_COLUMNS: &str = "influencer_id, channel_id, title, description, format, deliverables, price_minor, currency, \
    turnaround_days, revisions_included, categories, sample_links, created_at, updated_at";

fn user_rows(rng: &mut Rng, opts: &SeedOptions, hash: &str, now: chrono::DateTime<Utc>) -> Vec<Vec<Value>> {
    let mut rows = Vec::new();
    let none = || Value::String(None);
    for i in 1..=opts.influencers {
        let name = format!("{} {}", rng.pick(FIRST), rng.pick(LAST));
        let (country, lang) = *rng.pick(COUNTRIES);
        let mut cats: Vec<Category> = Vec::new();
        for _ in 0..1 + rng.below(3) {
            let c = *rng.pick(Category::ALL);
            if !cats.contains(&c) {
                cats.push(c);
            }
        }
        let bio = format!("{name} shares {} with a loyal community.", topics(cats[0]).join(", "));
        let rated = rng.below(4) > 0;
        let count = if rated { 1 + rng.below(40) as i64 } else { 0 };
        let sum = (0..count).map(|_| 3 + rng.below(3) as i64).sum::<i64>();
        let email = format!("influencer{i}@seed.adbridge.test");
        let languages = if lang == "en" { vec![lang] } else { vec![lang, "en"] };
        rows.push(vec![
            email.into(),
            hash.into(),
            "INFLUENCER".into(),
            name.into(),
            bio.into(),
            country.into(),
            to_json_list(&languages).into(),
            to_json_list(&cats.iter().map(|c| c.as_str()).collect::<Vec<_>>()).into(),
            none(),
            none(),
            none(),
            sum.into(),
            count.into(),
            now.into(),
            now.into(),
        ]);
    }
    for i in 1..=opts.advertisers {
        let brand = format!(
            "{} {}",
            rng.pick(&["Green", "Nova", "Peak", "Urban", "Blue", "Bright"]),
            rng.pick(&["Foods", "Labs", "Wear", "Studio", "Co"])
        );
        rows.push(vec![
            format!("advertiser{i}@seed.adbridge.test").into(),
            hash.into(),
            "ADVERTISER".into(),
            brand.clone().into(),
            none(),
            rng.pick(COUNTRIES).0.into(),
            "[]".into(),
            "[]".into(),
            brand.clone().into(),
            format!("https://{}.example.com", brand.to_lowercase().replace(' ', "")).into(),
            rng.pick(&["Food & beverage", "Consumer electronics", "Apparel", "Software", "Travel"]).to_string().into(),
            0i64.into(),
            0i64.into(),
            now.into(),
            now.into(),
        ]);
    }
    rows
}

fn space_row(rng: &mut Rng, channels: &[channel::Model], i: usize, total: usize, now: chrono::DateTime<Utc>) -> Vec<Value> {
    let ch = rng.pick(channels);
    let platform = Platform::from_db(&ch.platform).unwrap_or(Platform::Other);
    let format = *rng.pick(formats_for(platform));
    let category = *rng.pick(Category::ALL);
    let topic = rng.pick(topics(category));
    let kind = format.as_str().to_lowercase().replace('_', " ");
    let title = format!("{}{} {kind} on {}", topic[..1].to_uppercase(), &topic[1..], platform.as_str().to_lowercase());
    let description = format!(
        "A sponsored {kind} about {topic} for an engaged audience of {} followers. Your brand woven naturally into {}.",
        ch.followers,
        rng.pick(topics(category))
    );
    let deliverables = vec![
        format!("1 {kind}"),
        rng.pick(&["usage rights for 30 days", "link in bio for 7 days", "2 story frames", "raw footage"]).to_string(),
    ];
    let price = (rng.log_between(20.0, 5_000.0) * 100.0).round() as i64;
    // Older first: ids grow with `created_at`, as the NEWEST sort assumes.
    let created = now - Duration::minutes((total - i) as i64);
    vec![
        ch.influencer_id.into(),
        ch.id.into(),
        title.into(),
        description.into(),
        format.as_str().into(),
        to_json_list(&deliverables).into(),
        price.into(),
        (*rng.pick(CURRENCIES)).into(),
        ((1 + rng.below(21)) as i32).into(),
        (rng.below(4) as i32).into(),
        to_json_list(&[category.as_str()]).into(),
        to_json_list(&[format!("https://example.com/work/{i}")]).into(),
        created.into(),
        created.into(),
    ]
}
