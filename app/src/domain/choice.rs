//! The `choice!` macro: closed lists of choices with stable keys.

/// A closed list of choices with stable keys.
macro_rules! choice {
    ($(#[$doc:meta])* $name:ident { $($variant:ident => $key:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            pub fn key(self) -> &'static str {
                match self { $($name::$variant => $key),+ }
            }

            pub fn parse(raw: &str) -> Result<Self, Problem> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|c| c.key() == raw.trim())
                    .ok_or(Problem::UnknownChoice)
            }
        }
    };
}
