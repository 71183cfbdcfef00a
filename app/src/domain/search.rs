//! Search text: folding and tokens, the same for what is stored and what
//! is typed, so that `helene` finds `Hélène` and `oconnor` finds
//! `O'Connor`, on both backends.

/// Lower-cases and strips the diacritics of Latin letters (French and
/// the other European languages Accord's users write in); everything that
/// is not a letter or a digit becomes a space.
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let lower = c.to_lowercase();
        for c in lower {
            match c {
                'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => out.push('a'),
                'æ' => out.push_str("ae"),
                'ç' | 'ć' | 'č' | 'ĉ' | 'ċ' => out.push('c'),
                'ď' | 'đ' | 'ð' => out.push('d'),
                'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => out.push('e'),
                'ĝ' | 'ğ' | 'ġ' | 'ģ' => out.push('g'),
                'ĥ' | 'ħ' => out.push('h'),
                'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' | 'ı' => out.push('i'),
                'ĵ' => out.push('j'),
                'ķ' => out.push('k'),
                'ĺ' | 'ļ' | 'ľ' | 'ŀ' | 'ł' => out.push('l'),
                'ñ' | 'ń' | 'ņ' | 'ň' => out.push('n'),
                'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ŏ' | 'ő' => out.push('o'),
                'œ' => out.push_str("oe"),
                'ŕ' | 'ŗ' | 'ř' => out.push('r'),
                'ś' | 'ŝ' | 'ş' | 'š' | 'ș' => out.push('s'),
                'ß' => out.push_str("ss"),
                'ţ' | 'ť' | 'ŧ' | 'ț' => out.push('t'),
                'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => {
                    out.push('u')
                }
                'ŵ' => out.push('w'),
                'ý' | 'ÿ' | 'ŷ' => out.push('y'),
                'ź' | 'ż' | 'ž' => out.push('z'),
                'þ' => out.push_str("th"),
                // Apostrophes join (O'Connor, d'Artagnan → oconnor, dartagnan).
                '\'' | '’' => {}
                c if c.is_alphanumeric() => out.push(c),
                _ => out.push(' '),
            }
        }
    }
    out
}

/// The words of `text`, folded.
pub fn tokens(text: &str) -> Vec<String> {
    fold(text).split_whitespace().map(str::to_owned).collect()
}

/// The query's words, folded; runs of digit groups (`06 12 34`) joined
/// into one, as phone numbers are typed with spaces. At most 8 words,
/// each at most 64 characters: longer queries say nothing more.
pub fn query_tokens(query: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut previous_digits = false;
    for token in tokens(query) {
        let digits = token.bytes().all(|b| b.is_ascii_digit());
        match out.last_mut() {
            Some(last) if digits && previous_digits => last.push_str(&token),
            _ => out.push(token),
        }
        previous_digits = digits;
    }
    out.into_iter()
        .map(|t| t.chars().take(64).collect())
        .take(8)
        .collect()
}

/// What is stored for a person: names, the words of their e-mail
/// addresses, phone numbers (international digits and the French national
/// form), company names. A pasted address is found through its words, each
/// a prefix of a stored one; the whole address as one more word would add
/// a word found in no one else's document, and every prefix search walks
/// every distinct word that starts with it.
pub fn person_document(names: &[&str], emails: &[&str], phones: &[&str]) -> String {
    let mut words: Vec<String> = Vec::new();
    for name in names {
        words.extend(tokens(name));
    }
    for email in emails {
        let lower = email.to_lowercase();
        words.extend(tokens(&lower));
    }
    for phone in phones {
        let digits: String = phone.chars().filter(char::is_ascii_digit).collect();
        if let Some(national) = digits.strip_prefix("33") {
            words.push(format!("0{national}"));
        }
        words.push(digits);
    }
    words.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folds_accents_case_and_punctuation() {
        assert_eq!(fold("Hélène"), "helene");
        assert_eq!(fold("ŒUVRE Straße Łódź"), "oeuvre strasse lodz");
        assert_eq!(tokens("O'Connor-Dupré"), vec!["oconnor", "dupre"]);
        assert_eq!(
            tokens("<script>alert(1)</script>"),
            vec!["script", "alert", "1", "script"]
        );
    }

    #[test]
    fn phone_groups_join_in_queries() {
        assert_eq!(query_tokens("06 12 34"), vec!["061234"]);
        assert_eq!(query_tokens("Hélène 06 12"), vec!["helene", "0612"]);
        assert_eq!(query_tokens("a b c d e f g h i j").len(), 8);
    }

    #[test]
    fn documents_hold_every_way_to_find_a_person() {
        let doc = person_document(
            &["Hélène", "Dupré"],
            &["H.Dupre@Acme.fr"],
            &["+33612345678"],
        );
        for word in [
            "helene",
            "dupre",
            "h",
            "acme",
            "fr",
            "0612345678",
            "33612345678",
        ] {
            assert!(doc.split(' ').any(|w| w == word), "{word} in {doc}");
        }
        // A pasted address: every word of it is a prefix of a stored word.
        let words: Vec<&str> = doc.split(' ').collect();
        for typed in query_tokens("h.dupre@acme.fr") {
            assert!(
                words.iter().any(|w| w.starts_with(&typed)),
                "{typed} in {doc}"
            );
        }
        assert!(!doc.contains("hdupreacmefr"), "{doc}");
    }
}
