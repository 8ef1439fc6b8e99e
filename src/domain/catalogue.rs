//! The catalogue: influencer niches, channel platforms and ad formats.

macro_rules! str_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $s:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vmeta])* $variant),+ }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];

            /// The stored (and GraphQL) name.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $s),+ }
            }

            /// Parses a stored name.
            pub fn from_db(s: &str) -> Option<Self> {
                match s { $($s => Some(Self::$variant),)+ _ => None }
            }
        }
    };
}
pub(crate) use str_enum;

str_enum! {
    /// An influencer niche, from a fixed list.
    Category {
        /// Beauty.
        Beauty = "BEAUTY", /// Fashion.
        Fashion = "FASHION", /// Gaming.
        Gaming = "GAMING", /// Technology.
        Tech = "TECH", /// Food and cooking.
        Food = "FOOD", /// Travel.
        Travel = "TRAVEL", /// Fitness.
        Fitness = "FITNESS", /// Personal finance.
        Finance = "FINANCE", /// Parenting.
        Parenting = "PARENTING", /// Education.
        Education = "EDUCATION", /// Lifestyle.
        Lifestyle = "LIFESTYLE", /// Music.
        Music = "MUSIC", /// Sports.
        Sports = "SPORTS", /// Business.
        Business = "BUSINESS", /// Anything else.
        Other = "OTHER",
    }
}

impl Category {
    /// Most categories one profile or ad space may list.
    pub const MAX_PER_ITEM: usize = 5;
}

str_enum! {
    /// Where a channel publishes.
    Platform {
        /// Instagram.
        Instagram = "INSTAGRAM", /// TikTok.
        Tiktok = "TIKTOK", /// YouTube.
        Youtube = "YOUTUBE", /// X (Twitter).
        X = "X", /// Twitch.
        Twitch = "TWITCH", /// Facebook.
        Facebook = "FACEBOOK", /// LinkedIn.
        Linkedin = "LINKEDIN", /// Snapchat.
        Snapchat = "SNAPCHAT", /// Pinterest.
        Pinterest = "PINTEREST", /// A blog.
        Blog = "BLOG", /// A podcast.
        Podcast = "PODCAST", /// A newsletter.
        Newsletter = "NEWSLETTER", /// Anything else.
        Other = "OTHER",
    }
}

str_enum! {
    /// The kind of placement an ad space sells.
    AdFormat {
        /// A feed post.
        Post = "POST", /// A story.
        Story = "STORY", /// A reel.
        Reel = "REEL", /// A short video.
        ShortVideo = "SHORT_VIDEO", /// A long video.
        LongVideo = "LONG_VIDEO", /// A live stream.
        Live = "LIVE", /// A mention.
        Mention = "MENTION", /// An article.
        Article = "ARTICLE", /// A newsletter slot.
        NewsletterSlot = "NEWSLETTER_SLOT", /// A podcast read.
        PodcastRead = "PODCAST_READ", /// Anything else.
        Other = "OTHER",
    }
}
